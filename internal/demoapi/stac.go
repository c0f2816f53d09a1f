package demoapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The STAC API mimic under /stac/ follows STAC API 1.0 (core, collections,
// item search, OGC API Features) as stac-fastapi serves it:
//
//	GET  /stac/                          the root Catalog: id, conformsTo, links (self, root, data, conformance, search GET and POST, child per collection)
//	GET  /stac/conformance               {"conformsTo": [...]}
//	GET  /stac/collections               {"collections": [Collection...], "links": [self, root]}
//	GET  /stac/collections/{id}          one Collection (links: self, root, parent, items)
//	GET  /stac/collections/{id}/items/{item}   one Item (a GeoJSON Feature)
//	GET  /stac/collections/{id}/items?limit=N&bbox=…&datetime=…&token=…
//	     a GeoJSON FeatureCollection: "features", numberMatched, numberReturned, and
//	     links [self, root, next (absolute href carrying token) when more follow]
//	GET  /stac/search?collections=a,b&bbox=…&datetime=…&limit=N&token=…   the same across collections
//	POST /stac/search  {"collections", "ids", "bbox", "datetime", "limit", "token"}
//	     the same; its next link is {"rel": "next", "href": …/stac/search, "method": "POST",
//	     "body": the request's body with the next token, "merge": false}
//
// Items are sorted by datetime, newest first, then id. limit defaults to 10
// (at most 10,000); datetime is an RFC 3339 instant or interval ("a/b",
// "../b", "a/.."); bbox is minx,miny,maxx,maxy and keeps the items whose
// bbox intersects it. A bad parameter answers 400 {"code": "BadRequest",
// "description": …}, an unknown collection 404 {"code": "NotFoundError", …}.

// Route names of the STAC mimic.
const (
	RouteSTACRoot        = "/stac/"
	RouteSTACConformance = "/stac/conformance"
	RouteSTACCollections = "/stac/collections"
	RouteSTACCollection  = "/stac/collections/{id}"
	RouteSTACItems       = "/stac/collections/{id}/items"
	RouteSTACItem        = "/stac/collections/{id}/items/{item}"
	RouteSTACSearch      = "/stac/search"
)

const (
	stacVersion  = "1.0.0"
	stacGeoJSON  = "application/geo+json"
	stacJSON     = "application/json"
	stacLimit    = 10
	stacMaxLimit = 10000
)

var stacConformance = []string{
	"https://api.stacspec.org/v1.0.0/core",
	"https://api.stacspec.org/v1.0.0/collections",
	"https://api.stacspec.org/v1.0.0/item-search",
	"https://api.stacspec.org/v1.0.0/ogcapi-features",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
}

// STACCollections are the ids of the served collections and their number
// of items, in the order /stac/collections lists them.
var STACCollections = []struct {
	ID    string
	Items int
}{{"sentinel-2-l2a", 23}, {"landsat-c2-l2", 17}, {"cop-dem-glo-30", 12}}

// stacItemsStart is the datetime of every collection's oldest item; item k
// is k days later.
var stacItemsStart = time.Date(2024, 1, 1, 10, 30, 0, 0, time.UTC)

type stacLink struct {
	Rel    string         `json:"rel"`
	Href   string         `json:"href"`
	Type   string         `json:"type,omitempty"`
	Title  string         `json:"title,omitempty"`
	Method string         `json:"method,omitempty"`
	Body   map[string]any `json:"body,omitempty"`
	Merge  *bool          `json:"merge,omitempty"`
}

type stacItem struct {
	Type           string         `json:"type"`
	STACVersion    string         `json:"stac_version"`
	STACExtensions []string       `json:"stac_extensions"`
	ID             string         `json:"id"`
	Collection     string         `json:"collection"`
	Geometry       map[string]any `json:"geometry"`
	BBox           [4]float64     `json:"bbox"`
	Properties     map[string]any `json:"properties"`
	Assets         map[string]any `json:"assets"`
	Links          []stacLink     `json:"links"`

	at time.Time
}

type stacAPI struct {
	items map[string][]stacItem // by collection, newest first
	all   []stacItem            // every item, newest first
}

func newSTACAPI(seed int64) *stacAPI {
	a := &stacAPI{items: map[string][]stacItem{}}
	for _, c := range STACCollections {
		var list []stacItem
		for k := range c.Items {
			rng := rngFor(seed, "stac/"+c.ID, k)
			at := stacItemsStart.Add(time.Duration(k)*24*time.Hour + time.Duration(rng.IntN(3600))*time.Second)
			// a 1° square, corners with two decimals: west -10 … 24, south -10 … 50
			xi, yi := rng.IntN(3400)-1000, rng.IntN(6000)-1000
			bb := [4]float64{float64(xi) / 100, float64(yi) / 100, float64(xi+100) / 100, float64(yi+100) / 100}
			id := fmt.Sprintf("%s_%s_%03d", strings.ToUpper(strings.ReplaceAll(c.ID, "-", "")), at.Format("20060102"), k)
			list = append(list, stacItem{
				Type: "Feature", STACVersion: stacVersion, STACExtensions: []string{"https://stac-extensions.github.io/eo/v1.1.0/schema.json"},
				ID: id, Collection: c.ID, BBox: bb,
				Geometry: map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{{bb[0], bb[1]}, {bb[2], bb[1]}, {bb[2], bb[3]}, {bb[0], bb[3]}, {bb[0], bb[1]}}}},
				Properties: map[string]any{
					"datetime": at.Format(time.RFC3339), "created": at.Add(6 * time.Hour).Format(time.RFC3339),
					"platform": c.ID[:strings.IndexByte(c.ID, '-')], "eo:cloud_cover": float64(rng.IntN(10000)) / 100, "gsd": 10 + 20*rng.IntN(2),
				},
				at: at,
			})
		}
		sort.Slice(list, func(i, j int) bool { return list[i].at.After(list[j].at) })
		a.items[c.ID] = list
		a.all = append(a.all, list...)
	}
	sort.SliceStable(a.all, func(i, j int) bool {
		if a.all[i].at.Equal(a.all[j].at) {
			return a.all[i].ID < a.all[j].ID
		}
		return a.all[i].at.After(a.all[j].at)
	})
	return a
}

// stacRoute is the route of a /stac/ path.
func stacRoute(path string) string {
	switch path {
	case "/stac", "/stac/":
		return RouteSTACRoot
	case RouteSTACConformance, RouteSTACCollections, RouteSTACCollections + "/", RouteSTACSearch:
		return strings.TrimSuffix(path, "/")
	}
	rest, ok := strings.CutPrefix(path, "/stac/collections/")
	if !ok {
		return RouteOther
	}
	id, sub, _ := strings.Cut(strings.TrimSuffix(rest, "/"), "/")
	switch {
	case id == "":
		return RouteOther
	case sub == "":
		return RouteSTACCollection
	case sub == "items":
		return RouteSTACItems
	case strings.HasPrefix(sub, "items/") && !strings.Contains(sub[len("items/"):], "/"):
		return RouteSTACItem
	}
	return RouteOther
}

func stacError(w http.ResponseWriter, r *http.Request, status int, code, desc string) {
	writeTyped(w, r, status, stacJSON, map[string]string{"code": code, "description": desc})
}

func (s *Server) serveSTAC(w http.ResponseWriter, r *http.Request, rt string) {
	a := s.apis.stac
	base := baseURL(r) + "/stac"
	if r.Method == http.MethodPost && rt == RouteSTACSearch {
		s.stacSearchPOST(w, r, base)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		stacError(w, r, http.StatusMethodNotAllowed, "MethodNotAllowed", "method "+r.Method+" not allowed at "+r.URL.Path)
		return
	}
	switch rt {
	case RouteSTACRoot:
		links := []stacLink{
			{Rel: "self", Href: base + "/", Type: stacJSON}, {Rel: "root", Href: base + "/", Type: stacJSON},
			{Rel: "data", Href: base + "/collections", Type: stacJSON},
			{Rel: "conformance", Href: base + "/conformance", Type: stacJSON},
			{Rel: "search", Href: base + "/search", Type: stacGeoJSON, Method: "GET"},
			{Rel: "search", Href: base + "/search", Type: stacGeoJSON, Method: "POST"},
			{Rel: "service-desc", Href: base + "/api", Type: "application/vnd.oai.openapi+json;version=3.0"},
		}
		for _, c := range STACCollections {
			links = append(links, stacLink{Rel: "child", Href: base + "/collections/" + c.ID, Type: stacJSON, Title: c.ID})
		}
		writeTyped(w, r, http.StatusOK, stacJSON, map[string]any{
			"type": "Catalog", "stac_version": stacVersion, "id": "sluice-demo-stac", "title": "sluice demo STAC API",
			"description": "A small, deterministic STAC API for offline examples", "conformsTo": stacConformance, "links": links,
		})
	case RouteSTACConformance:
		writeTyped(w, r, http.StatusOK, stacJSON, map[string]any{"conformsTo": stacConformance})
	case RouteSTACCollections:
		cs := []any{}
		for _, c := range STACCollections {
			cs = append(cs, a.collection(base, c.ID))
		}
		writeTyped(w, r, http.StatusOK, stacJSON, map[string]any{"collections": cs, "links": []stacLink{
			{Rel: "self", Href: base + "/collections", Type: stacJSON}, {Rel: "root", Href: base + "/", Type: stacJSON}}})
	case RouteSTACCollection, RouteSTACItems, RouteSTACItem:
		id, rest, _ := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/stac/collections/"), "/"), "/")
		if _, ok := a.items[id]; !ok {
			stacError(w, r, http.StatusNotFound, "NotFoundError", "Collection "+id+" does not exist.")
			return
		}
		if rt == RouteSTACCollection {
			writeTyped(w, r, http.StatusOK, stacJSON, a.collection(base, id))
			return
		}
		if rt == RouteSTACItem {
			itemID := strings.TrimPrefix(rest, "items/")
			for _, it := range a.items[id] {
				if it.ID == itemID {
					writeTyped(w, r, http.StatusOK, stacGeoJSON, withLinks(base, it))
					return
				}
			}
			stacError(w, r, http.StatusNotFound, "NotFoundError", "Item "+itemID+" in Collection "+id+" does not exist.")
			return
		}
		sq, err := stacQueryFromURL(r.URL.Query())
		if err != nil {
			stacError(w, r, http.StatusBadRequest, "BadRequest", err.Error())
			return
		}
		sq.collections = []string{id}
		a.answer(w, r, base, sq, func(token string) stacLink {
			q := r.URL.Query()
			q.Set("token", token)
			return stacLink{Rel: "next", Href: base + "/collections/" + id + "/items?" + q.Encode(), Type: stacGeoJSON, Method: "GET"}
		})
	case RouteSTACSearch:
		sq, err := stacQueryFromURL(r.URL.Query())
		if err != nil {
			stacError(w, r, http.StatusBadRequest, "BadRequest", err.Error())
			return
		}
		a.answer(w, r, base, sq, func(token string) stacLink {
			q := r.URL.Query()
			q.Set("token", token)
			return stacLink{Rel: "next", Href: base + "/search?" + q.Encode(), Type: stacGeoJSON, Method: "GET"}
		})
	default:
		stacError(w, r, http.StatusNotFound, "NotFoundError", "no such endpoint: "+r.URL.Path+
			" (see /stac/, /stac/collections, /stac/collections/{id}/items, /stac/search)")
	}
}

func (a *stacAPI) collection(base, id string) map[string]any {
	list := a.items[id]
	oldest, newest := list[len(list)-1].at, list[0].at
	return map[string]any{
		"type": "Collection", "stac_version": stacVersion, "id": id, "title": strings.ToUpper(id[:1]) + id[1:],
		"description": "Demo items of " + id, "license": "proprietary", "keywords": []string{"demo", strings.SplitN(id, "-", 2)[0]},
		"extent": map[string]any{
			"spatial":  map[string]any{"bbox": [][4]float64{{-10, -10, 25, 51}}},
			"temporal": map[string]any{"interval": [][2]string{{oldest.Format(time.RFC3339), newest.Format(time.RFC3339)}}},
		},
		"links": []stacLink{
			{Rel: "self", Href: base + "/collections/" + id, Type: stacJSON}, {Rel: "root", Href: base + "/", Type: stacJSON},
			{Rel: "parent", Href: base + "/", Type: stacJSON}, {Rel: "items", Href: base + "/collections/" + id + "/items", Type: stacGeoJSON},
		},
	}
}

// stacQuery is an item search: every field optional.
type stacQuery struct {
	collections []string
	ids         []string
	bbox        []float64
	from, to    time.Time // zero: open
	limit       int
	offset      int
}

// parseToken reads "next:<offset>".
func parseToken(t string) (int, error) {
	if t == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimPrefix(t, "next:"))
	if err != nil || n < 0 || !strings.HasPrefix(t, "next:") {
		return 0, fmt.Errorf("token %q is not a token this API issued", t)
	}
	return n, nil
}

func parseSTACDatetime(v string) (from, to time.Time, err error) {
	a, b, interval := strings.Cut(v, "/")
	one := func(s string) (time.Time, error) {
		if s == ".." || s == "" {
			return time.Time{}, nil
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return t, fmt.Errorf("datetime %q: %q is not an RFC 3339 date-time", v, s)
		}
		return t, nil
	}
	if from, err = one(a); err != nil {
		return
	}
	if !interval {
		if from.IsZero() {
			return from, to, fmt.Errorf("datetime %q: give an instant or an interval a/b", v)
		}
		return from, from, nil
	}
	to, err = one(b)
	return
}

func parseBBox(vals []float64) ([]float64, error) {
	if len(vals) != 4 && len(vals) != 6 {
		return nil, fmt.Errorf("bbox has %d numbers; give minx,miny,maxx,maxy", len(vals))
	}
	if len(vals) == 6 {
		vals = []float64{vals[0], vals[1], vals[3], vals[4]}
	}
	return vals, nil
}

func stacQueryFromURL(q url.Values) (stacQuery, error) {
	sq := stacQuery{limit: stacLimit}
	var err error
	if v := q.Get("limit"); v != "" {
		if sq.limit, err = strconv.Atoi(v); err != nil || sq.limit < 1 || sq.limit > stacMaxLimit {
			return sq, fmt.Errorf("limit %q: give an integer from 1 to %d", v, stacMaxLimit)
		}
	}
	if v := q.Get("collections"); v != "" {
		sq.collections = strings.Split(v, ",")
	}
	if v := q.Get("ids"); v != "" {
		sq.ids = strings.Split(v, ",")
	}
	if v := q.Get("bbox"); v != "" {
		var nums []float64
		for _, p := range strings.Split(v, ",") {
			f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
			if err != nil {
				return sq, fmt.Errorf("bbox %q: %q is not a number", v, p)
			}
			nums = append(nums, f)
		}
		if sq.bbox, err = parseBBox(nums); err != nil {
			return sq, err
		}
	}
	if v := q.Get("datetime"); v != "" {
		if sq.from, sq.to, err = parseSTACDatetime(v); err != nil {
			return sq, err
		}
	}
	sq.offset, err = parseToken(q.Get("token"))
	return sq, err
}

// stacSearchBody is the body of POST /stac/search.
type stacSearchBody struct {
	Collections []string  `json:"collections"`
	IDs         []string  `json:"ids"`
	BBox        []float64 `json:"bbox"`
	Datetime    string    `json:"datetime"`
	Limit       *int      `json:"limit"`
	Token       string    `json:"token"`
}

func (s *Server) stacSearchPOST(w http.ResponseWriter, r *http.Request, base string) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		stacError(w, r, http.StatusBadRequest, "BadRequest", "cannot read the body: "+err.Error())
		return
	}
	var body stacSearchBody
	var asMap map[string]any
	if len(strings.TrimSpace(string(raw))) > 0 {
		if err := json.Unmarshal(raw, &body); err != nil {
			stacError(w, r, http.StatusBadRequest, "BadRequest", "the body is not a search request: "+err.Error())
			return
		}
		_ = json.Unmarshal(raw, &asMap)
	}
	if asMap == nil {
		asMap = map[string]any{}
	}
	sq := stacQuery{limit: stacLimit, collections: body.Collections, ids: body.IDs}
	if body.Limit != nil {
		if *body.Limit < 1 || *body.Limit > stacMaxLimit {
			stacError(w, r, http.StatusBadRequest, "BadRequest", fmt.Sprintf("limit %d: give an integer from 1 to %d", *body.Limit, stacMaxLimit))
			return
		}
		sq.limit = *body.Limit
	}
	if body.BBox != nil {
		if sq.bbox, err = parseBBox(body.BBox); err != nil {
			stacError(w, r, http.StatusBadRequest, "BadRequest", err.Error())
			return
		}
	}
	if body.Datetime != "" {
		if sq.from, sq.to, err = parseSTACDatetime(body.Datetime); err != nil {
			stacError(w, r, http.StatusBadRequest, "BadRequest", err.Error())
			return
		}
	}
	if sq.offset, err = parseToken(body.Token); err != nil {
		stacError(w, r, http.StatusBadRequest, "BadRequest", err.Error())
		return
	}
	s.apis.stac.answer(w, r, base, sq, func(token string) stacLink {
		next := make(map[string]any, len(asMap)+1)
		for k, v := range asMap {
			next[k] = v
		}
		next["token"] = token
		merge := false
		return stacLink{Rel: "next", Href: base + "/search", Type: stacGeoJSON, Method: "POST", Body: next, Merge: &merge}
	})
}

// answer writes the FeatureCollection of sq's page; next makes the next
// link from the next page's token.
func (a *stacAPI) answer(w http.ResponseWriter, r *http.Request, base string, sq stacQuery, next func(token string) stacLink) {
	for _, c := range sq.collections {
		if _, ok := a.items[c]; !ok {
			stacError(w, r, http.StatusNotFound, "NotFoundError", "Collection "+c+" does not exist.")
			return
		}
	}
	var match []stacItem
	src := a.all
	if len(sq.collections) == 1 {
		src = a.items[sq.collections[0]]
	}
	for _, it := range src {
		if sq.keeps(it) {
			match = append(match, it)
		}
	}
	lo := min(sq.offset, len(match))
	hi := min(lo+sq.limit, len(match))
	features := make([]stacItem, 0, hi-lo)
	for _, it := range match[lo:hi] {
		features = append(features, withLinks(base, it))
	}
	self := base + r.URL.Path[len("/stac"):]
	if r.URL.RawQuery != "" {
		self += "?" + r.URL.RawQuery
	}
	links := []stacLink{{Rel: "self", Href: self, Type: stacGeoJSON}, {Rel: "root", Href: base + "/", Type: stacJSON}}
	if hi < len(match) {
		links = append(links, next("next:"+strconv.Itoa(hi)))
	}
	writeTyped(w, r, http.StatusOK, stacGeoJSON, map[string]any{
		"type": "FeatureCollection", "features": features, "links": links,
		"numberMatched": len(match), "numberReturned": len(features),
	})
}

// withLinks is it with its links and assets, as an API answers an item.
func withLinks(base string, it stacItem) stacItem {
	it.Links = []stacLink{
		{Rel: "self", Href: base + "/collections/" + it.Collection + "/items/" + it.ID, Type: stacGeoJSON},
		{Rel: "parent", Href: base + "/collections/" + it.Collection, Type: stacJSON},
		{Rel: "collection", Href: base + "/collections/" + it.Collection, Type: stacJSON},
		{Rel: "root", Href: base + "/", Type: stacJSON},
	}
	it.Assets = map[string]any{
		"visual":    map[string]any{"href": "https://data.example.org/" + it.Collection + "/" + it.ID + "/visual.tif", "type": "image/tiff; application=geotiff; profile=cloud-optimized", "roles": []string{"data"}},
		"thumbnail": map[string]any{"href": "https://data.example.org/" + it.Collection + "/" + it.ID + "/thumb.png", "type": "image/png", "roles": []string{"thumbnail"}},
	}
	return it
}

func (sq *stacQuery) keeps(it stacItem) bool {
	if len(sq.collections) > 0 && !contains(sq.collections, it.Collection) {
		return false
	}
	if len(sq.ids) > 0 && !contains(sq.ids, it.ID) {
		return false
	}
	if !sq.from.IsZero() && it.at.Before(sq.from) {
		return false
	}
	if !sq.to.IsZero() && it.at.After(sq.to) {
		return false
	}
	if b := sq.bbox; b != nil && (it.BBox[2] < b[0] || it.BBox[0] > b[2] || it.BBox[3] < b[1] || it.BBox[1] > b[3]) {
		return false
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
