package demoapi_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/demoapi"
)

// client does not ask for gzip by itself, so tests see raw responses.
var client = &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 30 * time.Second}

type response struct {
	status int
	header http.Header
	body   []byte
}

func get(t *testing.T, rawURL string, hdr ...string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

// getOK is get that retries 503s (counting them) and fails on any other
// non-200 answer.
func getOK(t *testing.T, rawURL string, retried *int, hdr ...string) response {
	t.Helper()
	for range 5 {
		r := get(t, rawURL, hdr...)
		if r.status == http.StatusServiceUnavailable && retried != nil {
			*retried++
			continue
		}
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", rawURL, r.status, r.body)
		}
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Fatalf("GET %s: Content-Type %q", rawURL, ct)
		}
		return r
	}
	t.Fatalf("GET %s: still 503 after retries", rawURL)
	return response{}
}

func decode(t *testing.T, b []byte, v any) {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		t.Fatalf("decoding %.200s: %v", b, err)
	}
}

// walker follows one pagination style from the first page to the last and
// returns the records and the number of pages.
type walker func(t *testing.T, base string, retried *int, hdr []string) ([]map[string]any, int)

func resolve(t *testing.T, cur, ref string) string {
	t.Helper()
	u, err := url.Parse(cur)
	if err != nil {
		t.Fatal(err)
	}
	r, err := u.Parse(ref)
	if err != nil {
		t.Fatal(err)
	}
	return r.String()
}

func walkJSONLink(path string, wantAbsolute bool) walker {
	return func(t *testing.T, base string, retried *int, hdr []string) ([]map[string]any, int) {
		var all []map[string]any
		next, n := base+path, 0
		for next != "" {
			var page struct {
				Data       []map[string]any
				Pagination struct {
					Page       int     `json:"page"`
					TotalPages int     `json:"total_pages"`
					Next       *string `json:"next"`
				}
			}
			decode(t, getOK(t, next, retried, hdr...).body, &page)
			n++
			if page.Data == nil {
				t.Fatalf("%s: data is missing or null", next)
			}
			if page.Pagination.Page != n {
				t.Fatalf("%s: page %d, want %d", next, page.Pagination.Page, n)
			}
			all = append(all, page.Data...)
			if page.Pagination.Next == nil {
				if n != max(page.Pagination.TotalPages, 1) {
					t.Fatalf("%s: stopped at page %d of %d", next, n, page.Pagination.TotalPages)
				}
				break
			}
			ref := *page.Pagination.Next
			if abs := strings.HasPrefix(ref, "http://"); abs != wantAbsolute {
				t.Fatalf("next %q: absolute=%v, want %v", ref, abs, wantAbsolute)
			}
			next = resolve(t, next, ref)
		}
		return all, n
	}
}

// parseLink returns rel → URL of a Link header.
func parseLink(h string) map[string]string {
	out := map[string]string{}
	for part := range strings.SplitSeq(h, ",") {
		u, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		u = strings.Trim(strings.TrimSpace(u), "<>")
		for p := range strings.SplitSeq(params, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && k == "rel" {
				out[strings.Trim(v, `"`)] = u
			}
		}
	}
	return out
}

func walkHeaderLink(t *testing.T, base string, retried *int, hdr []string) ([]map[string]any, int) {
	var all []map[string]any
	next, n := base+"/users/link", 0
	for next != "" {
		r := getOK(t, next, retried, hdr...)
		var page []map[string]any
		decode(t, r.body, &page)
		if page == nil {
			t.Fatalf("%s: body is not an array: %s", next, r.body)
		}
		n++
		all = append(all, page...)
		links := parseLink(r.header.Get("Link"))
		if !strings.HasSuffix(links["first"], "/users/link?page=1") {
			t.Fatalf("%s: Link %q has no first page", next, r.header.Get("Link"))
		}
		next = links["next"]
		if next != "" && !strings.HasPrefix(next, base) {
			t.Fatalf("next %q is not absolute on %s", next, base)
		}
	}
	return all, n
}

func walkOffset(limit int) walker {
	return func(t *testing.T, base string, retried *int, hdr []string) ([]map[string]any, int) {
		var all []map[string]any
		offset, n := 0, 0
		for {
			var page struct {
				Items                []map[string]any
				Total, Offset, Limit int
			}
			decode(t, getOK(t, fmt.Sprintf("%s/users/offset?offset=%d&limit=%d", base, offset, limit), retried, hdr...).body, &page)
			n++
			if page.Items == nil || page.Offset != offset || page.Limit != limit {
				t.Fatalf("offset %d: got items=%v offset=%d limit=%d", offset, page.Items != nil, page.Offset, page.Limit)
			}
			all = append(all, page.Items...)
			offset += limit
			if offset >= page.Total {
				return all, n
			}
		}
	}
}

func walkPageNumber(t *testing.T, base string, retried *int, hdr []string) ([]map[string]any, int) {
	var all []map[string]any
	for page := 1; ; page++ {
		var p struct {
			Results    []map[string]any
			Page       int
			TotalPages int `json:"total_pages"`
		}
		decode(t, getOK(t, base+"/users/page_number?page="+strconv.Itoa(page), retried, hdr...).body, &p)
		if p.Results == nil || p.Page != page {
			t.Fatalf("page %d: got %+v", page, p)
		}
		all = append(all, p.Results...)
		if page >= p.TotalPages {
			return all, page
		}
	}
}

func walkCursor(t *testing.T, base string, retried *int, hdr []string) ([]map[string]any, int) {
	var all []map[string]any
	cursor, n := "", 0
	for {
		u := base + "/users/cursor"
		if cursor != "" {
			u += "?cursor=" + url.QueryEscape(cursor)
		}
		var p struct {
			Records    []map[string]any
			NextCursor *string `json:"next_cursor"`
		}
		decode(t, getOK(t, u, retried, hdr...).body, &p)
		n++
		if p.Records == nil {
			t.Fatalf("%s: records missing", u)
		}
		all = append(all, p.Records...)
		if p.NextCursor == nil {
			return all, n
		}
		cursor = *p.NextCursor
	}
}

var walkers = []struct {
	name string
	walk walker
}{
	{"json_link", walkJSONLink("/users", true)},
	{"json_link_trailing_slash", walkJSONLink("/users/", true)},
	{"relative", walkJSONLink("/users/relative", false)},
	{"header_link", walkHeaderLink},
	{"offset", walkOffset(100)},
	{"offset_limit_7", walkOffset(7)},
	{"page_number", walkPageNumber},
	{"cursor", walkCursor},
	{"json_link_per_page_33", walkJSONLink("/users?per_page=33", true)},
	{"header_link_page_size_250", func(t *testing.T, base string, r *int, h []string) ([]map[string]any, int) {
		return walkHeaderLinkFrom(t, base, "/users/link?page_size=250", r, h)
	}},
}

func walkHeaderLinkFrom(t *testing.T, base, path string, retried *int, hdr []string) ([]map[string]any, int) {
	var all []map[string]any
	next, n := base+path, 0
	for next != "" {
		r := getOK(t, next, retried, hdr...)
		var page []map[string]any
		decode(t, r.body, &page)
		n++
		all = append(all, page...)
		next = parseLink(r.header.Get("Link"))["next"]
	}
	return all, n
}

// canonical turns a Server.User map into what decode gives for its JSON.
func canonical(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	decode(t, b, &out)
	return out
}

func TestEveryEndpointWalksAllUsers(t *testing.T) {
	sizes := []struct {
		users, pageSize int
	}{
		{0, 0},     // defaults: 1000 users, 100 a page
		{250, 100}, // a short last page
		{1, 100},
		{-1, 10}, // no users at all
		{95, 7},
	}
	for _, sz := range sizes {
		for _, w := range walkers {
			t.Run(fmt.Sprintf("%s/users=%d/page=%d", w.name, sz.users, sz.pageSize), func(t *testing.T) {
				t.Parallel()
				api := demoapi.New(demoapi.Options{Users: sz.users, PageSize: sz.pageSize, Seed: 42, Token: "tok"})
				srv := httptest.NewServer(api)
				defer srv.Close()
				recs, n := w.walk(t, srv.URL, nil, []string{"Authorization", "Bearer tok"})
				want := api.Users()
				if len(recs) != want {
					t.Fatalf("got %d records in %d pages, want %d", len(recs), n, want)
				}
				if got := api.Requests(); got != int64(n) {
					t.Errorf("Requests() = %d after %d pages", got, n)
				}
				seen := map[string]bool{}
				for i, rec := range recs {
					id := fmt.Sprint(rec["id"])
					if seen[id] {
						t.Fatalf("duplicate id %s", id)
					}
					seen[id] = true
					if id != strconv.Itoa(i+1) {
						t.Fatalf("record %d has id %s", i, id)
					}
					if i%17 == 0 || i == want-1 {
						if w := canonical(t, api.User(i+1)); !reflect.DeepEqual(any(rec), w) {
							t.Fatalf("record %d:\n got %v\nwant %v", i, rec, w)
						}
					}
				}
			})
		}
	}
}

var wholeDecimal = regexp.MustCompile(`"(total|price|score|lat|lng)":-?[0-9]+[,}]`)

func TestRecordShape(t *testing.T) {
	api := demoapi.New(demoapi.Options{Seed: 1})
	srv := httptest.NewServer(api)
	defer srv.Close()
	var page struct{ Data []json.RawMessage }
	decode(t, getOK(t, srv.URL+"/users?per_page=1000", nil).body, &page)
	var big, nullPhone, noTags, noOrders, manyOrders, total int
	for i, raw := range page.Data {
		total += len(raw)
		var rec map[string]any
		decode(t, raw, &rec)
		ext := rec["externalId"].(json.Number)
		if want := strconv.FormatInt(api.User(i + 1)["externalId"].(int64), 10); string(ext) != want {
			t.Fatalf("record %d: externalId %s on the wire, %s from User", i, ext, want)
		}
		if v, _ := strconv.ParseInt(string(ext), 10, 64); v > 1<<53 {
			big++
		}
		if rec["phone"] == nil {
			nullPhone++
		}
		if len(rec["tags"].([]any)) == 0 {
			noTags++
		}
		switch n := len(rec["orders"].([]any)); n {
		case 0:
			noOrders++
		case 3:
			manyOrders++
		}
		for _, k := range []string{"id", "name", "email", "isActive", "createdAt", "score", "address", "lastLoginAt"} {
			if _, ok := rec[k]; !ok {
				t.Fatalf("record %d has no %s: %s", i, k, raw)
			}
		}
		// Decimal fields never print as whole numbers, so a reader that
		// types a column by its first value never makes it an integer.
		if m := wholeDecimal.Find(raw); m != nil {
			t.Fatalf("record %d has a whole-number decimal %s", i, m)
		}
		if !bytes.Contains(raw, []byte(`"geo":{"lat":`)) {
			t.Fatalf("record %d has no address.geo: %s", i, raw)
		}
	}
	avg := total / len(page.Data)
	t.Logf("1000 records: avg %d bytes, %d externalId > 2^53, %d null phones, %d without tags, %d without orders, %d with 3",
		avg, big, nullPhone, noTags, noOrders, manyOrders)
	if avg < 450 || avg > 800 {
		t.Errorf("average record is %d bytes, want about 600", avg)
	}
	for name, n := range map[string]int{"big externalId": big, "null phone": nullPhone, "no tags": noTags, "no orders": noOrders, "3 orders": manyOrders} {
		if n < 20 || n > 500 {
			t.Errorf("%s: %d of 1000 records", name, n)
		}
	}
}

func TestDeterminism(t *testing.T) {
	body := func(seed int64, path string) []byte {
		srv := httptest.NewServer(demoapi.New(demoapi.Options{Seed: seed, Users: 500}))
		defer srv.Close()
		return getOK(t, srv.URL+path, nil).body
	}
	// (not /users: its next links hold each server's own port)
	for _, path := range []string{"/users/relative?page=3", "/users/offset?offset=123&limit=50", "/users/cursor?limit=20", "/users/42", "/users/7/orders"} {
		a, b, c := body(7, path), body(7, path), body(8, path)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: same seed, different bodies", path)
		}
		if bytes.Equal(a, c) && !strings.HasSuffix(path, "/orders") { // a user may have no orders under both seeds
			t.Errorf("%s: seeds 7 and 8 give the same body", path)
		}
	}
	a, b := demoapi.New(demoapi.Options{Seed: 3}), demoapi.New(demoapi.Options{Seed: 3, Users: 1_000_000, PageSize: 7})
	for _, i := range []int{1, 2, 500, 1000} {
		if !reflect.DeepEqual(a.User(i), b.User(i)) {
			t.Errorf("User(%d) depends on Users or PageSize", i)
		}
		if id := a.User(i)["id"]; id != int64(i) {
			t.Errorf("User(%d) has id %v", i, id)
		}
	}
	if a.User(0) != nil || a.User(-1) != nil || a.User(1001) != nil || b.User(1_000_000) == nil {
		t.Errorf("User out of range: want nil for 0, -1, 1001, and a record for the last of a million")
	}
}

func TestSingleUserAndOrders(t *testing.T) {
	api := demoapi.New(demoapi.Options{Seed: 5, Users: 50})
	srv := httptest.NewServer(api)
	defer srv.Close()
	for _, id := range []int{1, 25, 50} {
		var rec map[string]any
		decode(t, getOK(t, fmt.Sprintf("%s/users/%d", srv.URL, id), nil).body, &rec)
		want := canonical(t, api.User(id))
		if !reflect.DeepEqual(any(rec), want) {
			t.Errorf("/users/%d:\n got %v\nwant %v", id, rec, want)
		}
		var orders struct{ Data []any }
		decode(t, getOK(t, fmt.Sprintf("%s/users/%d/orders", srv.URL, id), nil).body, &orders)
		if orders.Data == nil || !reflect.DeepEqual(any(orders.Data), want.(map[string]any)["orders"]) {
			t.Errorf("/users/%d/orders = %v, want %v", id, orders.Data, want.(map[string]any)["orders"])
		}
	}
}

func TestErrors(t *testing.T) {
	srv := httptest.NewServer(demoapi.New(demoapi.Options{Users: 50}))
	defer srv.Close()
	cases := []struct {
		method, path string
		status       int
		errHas       string
	}{
		{"GET", "/", 404, "no such endpoint"},
		{"GET", "/posts", 400, "user_ids is required"},
		{"GET", "/tickets/1", 404, "no such endpoint"},
		{"GET", "/usersx", 404, "no such endpoint"},
		{"GET", "/users/51", 404, "not found"},
		{"GET", "/users/0", 404, "not found"},
		{"GET", "/users/abc", 404, "not found"},
		{"GET", "/users/99999999999999999999", 404, "not found"},
		{"GET", "/users/5/nope", 404, "no such endpoint"},
		{"GET", "/users/5/posts/", 404, "no such endpoint"},
		{"GET", "/posts/", 404, "no such endpoint"},
		{"GET", "/users//posts", 404, "no such endpoint"},
		{"GET", "/users/51/orders", 404, "not found"},
		{"GET", "/users?page=0", 400, "page"},
		{"GET", "/users?page=x", 400, "not an integer"},
		{"GET", "/users?page=-3", 400, "page"},
		{"GET", "/users?per_page=0", 400, "per_page"},
		{"GET", "/users/relative?page_size=1001", 400, "page_size"},
		{"GET", "/users/link?limit=abc", 400, "limit"},
		{"GET", "/users/offset?offset=-1", 400, "offset"},
		{"GET", "/users/offset?offset=1.5", 400, "offset"},
		{"GET", "/users/offset?limit=0", 400, "limit"},
		{"GET", "/users/page_number?page=0", 400, "numbered from 1"},
		{"GET", "/users/cursor?cursor=garbage", 400, "cursor"},
		{"GET", "/users/cursor?cursor=c1.!!", 400, "cursor"},
		{"POST", "/users", 405, "not allowed"},
		{"DELETE", "/users/1", 405, "not allowed"},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			req, _ := http.NewRequest(c.method, srv.URL+c.path, nil)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != c.status {
				t.Errorf("status %d, want %d", resp.StatusCode, c.status)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			var e struct{ Error string }
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || !strings.Contains(e.Error, c.errHas) {
				t.Errorf("error body %q (%v), want it to mention %q", e.Error, err, c.errHas)
			}
		})
	}
	// Past the end is not an error: an empty page without a next link.
	var p struct {
		Data       []any
		Pagination struct{ Next *string }
	}
	decode(t, getOK(t, srv.URL+"/users?page=99", nil).body, &p)
	if p.Data == nil || len(p.Data) != 0 || p.Pagination.Next != nil {
		t.Errorf("page past the end: %+v", p)
	}
	if r := get(t, srv.URL+"/users/link?page=99"); string(bytes.TrimSpace(r.body)) != "[]" || parseLink(r.header.Get("Link"))["next"] != "" {
		t.Errorf("link page past the end: %s %q", r.body, r.header.Get("Link"))
	}
}

func TestToken(t *testing.T) {
	api := demoapi.New(demoapi.Options{Users: 10, Token: "s3cret"})
	srv := httptest.NewServer(api)
	defer srv.Close()
	cases := []struct {
		path, auth string
		status     int
	}{
		{"/users", "", 401},
		{"/users", "Bearer wrong", 401},
		{"/users", "Bearer s3cret2", 401},
		{"/users", "Basic czNjcmV0", 401},
		{"/users", "s3cret", 401},
		{"/users/1", "", 401},
		{"/nope", "", 401},
		{"/users", "Bearer s3cret", 200},
		{"/users", "bearer s3cret", 200},
		{"/users/link", "Bearer s3cret", 200},
		{"/users/1/orders", "Bearer s3cret", 200},
		{"/nope", "Bearer s3cret", 404},
		{"/healthz", "", 200},
	}
	for _, c := range cases {
		var hdr []string
		if c.auth != "" {
			hdr = []string{"Authorization", c.auth}
		}
		r := get(t, srv.URL+c.path, hdr...)
		if r.status != c.status {
			t.Errorf("%s with %q: %d, want %d", c.path, c.auth, r.status, c.status)
		}
		if c.status == 401 {
			var e struct{ Error string }
			decode(t, r.body, &e)
			if !strings.Contains(e.Error, "bearer token") || r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s with %q: body %s, WWW-Authenticate %q", c.path, c.auth, r.body, r.header.Get("WWW-Authenticate"))
			}
			if strings.Contains(string(r.body), "s3cret") {
				t.Errorf("401 body leaks the token: %s", r.body)
			}
		}
	}
	if got := api.Requests(); got != int64(len(cases)-1) {
		t.Errorf("Requests() = %d, want %d (healthz not counted)", got, len(cases)-1)
	}
}

func TestHealthz(t *testing.T) {
	api := demoapi.New(demoapi.Options{FailEvery: 1, Token: "x"})
	srv := httptest.NewServer(api)
	defer srv.Close()
	for range 3 {
		r := get(t, srv.URL+"/healthz")
		if r.status != 200 || string(r.body) != "ok" {
			t.Fatalf("healthz: %d %q", r.status, r.body)
		}
	}
	if api.Requests() != 0 {
		t.Errorf("healthz counted: %d", api.Requests())
	}
}

func TestGzip(t *testing.T) {
	srv := httptest.NewServer(demoapi.New(demoapi.Options{Users: 300}))
	defer srv.Close()
	plain := getOK(t, srv.URL+"/users?page=2", nil)
	if plain.header.Get("Content-Encoding") != "" {
		t.Fatalf("gzip without being asked")
	}
	for _, ae := range []string{"gzip", "gzip, deflate, br", "br;q=1.0, GZIP;q=0.5", "*"} {
		z := getOK(t, srv.URL+"/users?page=2", nil, "Accept-Encoding", ae)
		if z.header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("Accept-Encoding %q: Content-Encoding %q", ae, z.header.Get("Content-Encoding"))
		}
		if z.header.Get("Content-Length") != strconv.Itoa(len(z.body)) || len(z.body) >= len(plain.body)/2 {
			t.Errorf("Accept-Encoding %q: %d gzipped bytes (Content-Length %s) for %d plain", ae, len(z.body), z.header.Get("Content-Length"), len(plain.body))
		}
		zr, err := gzip.NewReader(bytes.NewReader(z.body))
		if err != nil {
			t.Fatal(err)
		}
		un, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(un, plain.body) {
			t.Errorf("Accept-Encoding %q: gunzipped body differs from the plain one", ae)
		}
	}
	for _, ae := range []string{"identity", "gzip;q=0", "deflate, br"} {
		if r := getOK(t, srv.URL+"/users?page=2", nil, "Accept-Encoding", ae); r.header.Get("Content-Encoding") != "" {
			t.Errorf("Accept-Encoding %q: got Content-Encoding %q", ae, r.header.Get("Content-Encoding"))
		}
	}
	// NoGzip ignores the header.
	off := httptest.NewServer(demoapi.New(demoapi.Options{Users: 300, NoGzip: true}))
	defer off.Close()
	offPlain := getOK(t, off.URL+"/users?page=2", nil)
	if r := getOK(t, off.URL+"/users?page=2", nil, "Accept-Encoding", "gzip"); r.header.Get("Content-Encoding") != "" || !bytes.Equal(r.body, offPlain.body) {
		t.Errorf("NoGzip: Content-Encoding %q", r.header.Get("Content-Encoding"))
	}
	// Go's default transport asks for gzip and undoes it: the body is the same.
	resp, err := http.Get(srv.URL + "/users?page=2")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !resp.Uncompressed || !bytes.Equal(b, plain.body) {
		t.Errorf("default transport: uncompressed=%v, same body=%v", resp.Uncompressed, bytes.Equal(b, plain.body))
	}
}

func TestFailEvery(t *testing.T) {
	for _, every := range []int{1, 2, 3, 7} {
		t.Run(strconv.Itoa(every), func(t *testing.T) {
			api := demoapi.New(demoapi.Options{Users: 1000, FailEvery: every})
			srv := httptest.NewServer(api)
			defer srv.Close()
			if every == 1 { // every request fails: nothing ever gets through
				for i := range 4 {
					if r := get(t, srv.URL+"/users"); r.status != 503 {
						t.Fatalf("request %d: %d", i+1, r.status)
					}
				}
				return
			}
			// Exactly the N-th, 2N-th, … requests fail, each once.
			for i := 1; i <= 3*every; i++ {
				r := get(t, srv.URL+"/users?page=1")
				want := 200
				if i%every == 0 {
					want = 503
				}
				if r.status != want {
					t.Fatalf("request %d: %d, want %d", i, r.status, want)
				}
				if want == 503 && !strings.Contains(string(r.body), `"error"`) {
					t.Fatalf("503 body %s", r.body)
				}
			}
			// A client that retries gets every record, having retried
			// exactly once for each N-th request.
			before := api.Requests()
			retried := 0
			recs, pages := walkJSONLink("/users", true)(t, srv.URL, &retried, nil)
			if len(recs) != 1000 {
				t.Fatalf("%d records", len(recs))
			}
			total := api.Requests() - before
			if int64(pages+retried) != total {
				t.Errorf("%d pages + %d retries != %d requests", pages, retried, total)
			}
			if want := (before+total)/int64(every) - before/int64(every); int64(retried) != want {
				t.Errorf("retried %d times, want %d", retried, want)
			}
		})
	}
}

func TestLatency(t *testing.T) {
	srv := httptest.NewServer(demoapi.New(demoapi.Options{Users: 10, Latency: 50 * time.Millisecond}))
	defer srv.Close()
	start := time.Now()
	getOK(t, srv.URL+"/users", nil)
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("answered in %v, want ≥ 50ms", d)
	}
	start = time.Now()
	get(t, srv.URL+"/healthz")
	if d := time.Since(start); d >= 50*time.Millisecond {
		t.Errorf("healthz took %v: latency applies to data requests only", d)
	}
}

func TestLinksKeepQuery(t *testing.T) {
	srv := httptest.NewServer(demoapi.New(demoapi.Options{Users: 30}))
	defer srv.Close()
	var p struct{ Pagination struct{ Next string } }
	decode(t, getOK(t, srv.URL+"/users/relative?per_page=10&sort=desc", nil).body, &p)
	if want := "/users/relative?page=2&per_page=10&sort=desc"; p.Pagination.Next != want {
		t.Errorf("relative next %q, want %q", p.Pagination.Next, want)
	}
	decode(t, getOK(t, srv.URL+"/users?per_page=10&page=2", nil).body, &p)
	if want := srv.URL + "/users?page=3&per_page=10"; p.Pagination.Next != want {
		t.Errorf("absolute next %q, want %q", p.Pagination.Next, want)
	}
	r := getOK(t, srv.URL+"/users/link?per_page=10", nil)
	want := "<" + srv.URL + `/users/link?page=2&per_page=10>; rel="next", <` + srv.URL + `/users/link?page=1&per_page=10>; rel="first"`
	if got := r.header.Get("Link"); got != want {
		t.Errorf("Link %q\nwant %q", got, want)
	}
	// The same pages over HTTPS: links say https.
	tls := httptest.NewTLSServer(demoapi.New(demoapi.Options{Users: 30}))
	defer tls.Close()
	resp, err := tls.Client().Get(tls.URL + "/users?per_page=10")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil || !strings.HasPrefix(p.Pagination.Next, "https://") {
		t.Errorf("TLS next %q (%v)", p.Pagination.Next, err)
	}
}

func TestHead(t *testing.T) {
	srv := httptest.NewServer(demoapi.New(demoapi.Options{Users: 30}))
	defer srv.Close()
	resp, err := client.Head(srv.URL + "/users")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ContentLength <= 0 {
		t.Errorf("HEAD: %d, length %d", resp.StatusCode, resp.ContentLength)
	}
}

// TestDemoNumbers pins what the default demo (seed 1, 1000 users) serves:
// examples/demo/README.md quotes these row counts.
func TestDemoNumbers(t *testing.T) {
	api := demoapi.New(demoapi.Options{Seed: 1})
	var tags, orders, items, nullPhones, big int
	for i := 1; i <= api.Users(); i++ {
		u := api.User(i)
		tags += len(u["tags"].([]any))
		for _, o := range u["orders"].([]any) {
			orders++
			items += len(o.(map[string]any)["items"].([]any))
		}
		if u["phone"] == nil {
			nullPhones++
		}
		if u["externalId"].(int64) > 1<<53 {
			big++
		}
	}
	got := [5]int{tags, orders, items, nullPhones, big}
	if want := [5]int{1481, 1428, 2865, 295, 99}; got != want {
		t.Errorf("seed 1: tags, orders, items, null phones, big externalIds = %v, want %v (update examples/demo/README.md)", got, want)
	}
}

// TestConcurrent hammers two servers (different seeds, shared buffer pools)
// from several goroutines; every body must equal the one served alone.
func TestConcurrent(t *testing.T) {
	paths := []string{"/users/relative?page=2", "/users/offset?offset=5&limit=40", "/users/cursor", "/users/3", "/users/9/orders", "/users/relative?page=99", "/users/link?page=4&per_page=7"}
	var srvs []*httptest.Server
	want := map[string][]byte{}
	for _, seed := range []int64{1, 2} {
		srv := httptest.NewServer(demoapi.New(demoapi.Options{Seed: seed, Users: 200}))
		defer srv.Close()
		srvs = append(srvs, srv)
		for _, p := range paths {
			want[srv.URL+p] = getOK(t, srv.URL+p, nil).body
		}
	}
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			for i := range 60 {
				u := srvs[(g+i)%2].URL + paths[(g*7+i)%len(paths)]
				resp, err := client.Get(u)
				if err != nil {
					errs <- err
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if !bytes.Equal(b, want[u]) {
					errs <- fmt.Errorf("%s: body differs under load", u)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
