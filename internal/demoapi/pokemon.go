package demoapi

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// The PokéAPI mimic under /pokemon/api/v2/ serves three named-resource
// lists the way pokeapi.co does (dlt's rest_api tutorial loads them):
//
//	GET /pokemon/api/v2/pokemon?offset=O&limit=L   {"count", "next": absolute URL | null, "previous", "results": [{"name", "url"}]}
//	GET /pokemon/api/v2/pokemon/{id or name}/      one pokemon: id, name, height, weight, base_experience, types, abilities, stats
//	GET /pokemon/api/v2/berry, /berry/{id or name}/       64 berries
//	GET /pokemon/api/v2/location, /location/{id or name}/ 40 locations
//
// The default page is 20 (PokéAPI's); limit may be up to 100,000 as there.
// An unknown name or id answers 404 with the text body "Not Found", as
// PokéAPI does; a bad offset or limit is ignored (PokéAPI falls back to
// the defaults too).

// Pokemon counts, fixed: the mimic is small on purpose.
const (
	PokemonCount  = 151
	BerryCount    = 64
	LocationCount = 40
	pokePage      = 20
)

// Route names of the PokéAPI mimic.
const (
	RoutePokemonList  = "/pokemon/api/v2/{kind}"
	RoutePokemonItem  = "/pokemon/api/v2/{kind}/{id}"
	routePokemonRoot  = "/pokemon/api/v2/"
	routePokemonKinds = "pokemon, berry, location"
)

var pokeSyllables = []string{"bul", "ba", "saur", "char", "man", "der", "squir", "tle", "pi", "ka", "chu", "jig", "gly", "puff",
	"zu", "bat", "odd", "ish", "mew", "two", "eev", "ee", "vee", "on", "snor", "lax", "dra", "ti", "ni", "gen", "gar", "haunt"}

var pokeTypes = []string{"normal", "fire", "water", "grass", "electric", "ice", "fighting", "poison", "ground", "flying", "psychic", "bug", "rock", "ghost", "dragon"}

var berryFirmness = []string{"very-soft", "soft", "hard", "very-hard", "super-hard"}

var regions = []string{"kanto", "johto", "hoenn", "sinnoh"}

// rngFor is the deterministic generator of record id of a kind under seed.
func rngFor(seed int64, kind string, id int) *rand.Rand {
	var h uint64 = 1469598103934665603
	for i := 0; i < len(kind); i++ {
		h = (h ^ uint64(kind[i])) * 1099511628211
	}
	return rand.New(rand.NewPCG(uint64(seed), h^uint64(id)*0x9E3779B97F4A7C15))
}

// pokeKind is one PokéAPI list.
type pokeKind struct {
	name  string
	count int
	names []string // index id-1
	byKey map[string]int
}

// pokeAPI holds the generated names of every kind.
type pokeAPI struct {
	seed  int64
	kinds map[string]*pokeKind
}

func newPokeAPI(seed int64) *pokeAPI {
	p := &pokeAPI{seed: seed, kinds: map[string]*pokeKind{}}
	for _, k := range []struct {
		name, suffix string
		n            int
	}{{"pokemon", "", PokemonCount}, {"berry", "", BerryCount}, {"location", "-town", LocationCount}} {
		pk := &pokeKind{name: k.name, count: k.n, byKey: map[string]int{}}
		for id := 1; id <= k.n; id++ {
			rng := rngFor(seed, k.name+"/name", id)
			var b strings.Builder
			for range 2 + rng.IntN(2) {
				b.WriteString(pokeSyllables[rng.IntN(len(pokeSyllables))])
			}
			name := b.String() + k.suffix
			if _, dup := pk.byKey[name]; dup {
				name += "-" + strconv.Itoa(id)
			}
			pk.names = append(pk.names, name)
			pk.byKey[name] = id
			pk.byKey[strconv.Itoa(id)] = id
		}
		p.kinds[k.name] = pk
	}
	return p
}

type namedRef struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

type pokeList struct {
	Count    int        `json:"count"`
	Next     *string    `json:"next"`
	Previous *string    `json:"previous"`
	Results  []namedRef `json:"results"`
}

func (p *pokeAPI) ref(base, kind string, id int) namedRef {
	return namedRef{Name: p.kinds[kind].names[id-1], URL: base + "/pokemon/api/v2/" + kind + "/" + strconv.Itoa(id) + "/"}
}

// pokeRoute is the route of a /pokemon/ path.
func pokeRoute(path string) string {
	rest, ok := strings.CutPrefix(path, routePokemonRoot)
	if !ok {
		return RouteOther
	}
	kind, id, _ := strings.Cut(strings.TrimSuffix(rest, "/"), "/")
	switch {
	case kind == "":
		return RouteOther
	case id == "":
		return RoutePokemonList
	case !strings.Contains(id, "/"):
		return RoutePokemonItem
	}
	return RouteOther
}

func (s *Server) servePokemon(w http.ResponseWriter, r *http.Request, rt string) {
	p := s.apis.poke
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeText(w, r, http.StatusMethodNotAllowed, "Method Not Allowed")
		return
	}
	rest := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, routePokemonRoot), "/")
	kindName, key, _ := strings.Cut(rest, "/")
	k := p.kinds[kindName]
	if k == nil {
		writeText(w, r, http.StatusNotFound, "Not Found")
		return
	}
	base := baseURL(r)
	if rt == RoutePokemonList {
		q := r.URL.Query()
		offset, err := strconv.Atoi(q.Get("offset"))
		if err != nil || offset < 0 {
			offset = 0
		}
		limit, err := strconv.Atoi(q.Get("limit"))
		if err != nil || limit <= 0 || limit > 100000 {
			limit = pokePage
		}
		lo := min(offset, k.count)
		hi := min(lo+limit, k.count)
		out := pokeList{Count: k.count, Results: make([]namedRef, 0, hi-lo)}
		for id := lo + 1; id <= hi; id++ {
			out.Results = append(out.Results, p.ref(base, kindName, id))
		}
		page := func(o int) *string {
			u := base + "/pokemon/api/v2/" + kindName + "/?" + url.Values{"offset": {strconv.Itoa(o)}, "limit": {strconv.Itoa(limit)}}.Encode()
			return &u
		}
		if hi < k.count {
			out.Next = page(hi)
		}
		if lo > 0 {
			out.Previous = page(max(0, lo-limit))
		}
		s.writeJSON(w, r, http.StatusOK, &out)
		return
	}
	id, ok := k.byKey[strings.ToLower(key)]
	if !ok {
		writeText(w, r, http.StatusNotFound, "Not Found")
		return
	}
	s.writeJSON(w, r, http.StatusOK, p.detail(base, kindName, id))
}

// detail is the full record of one pokemon, berry or location.
func (p *pokeAPI) detail(base, kind string, id int) map[string]any {
	rng := rngFor(p.seed, kind, id)
	name := p.kinds[kind].names[id-1]
	typeRef := func(t string) namedRef {
		return namedRef{Name: t, URL: base + "/pokemon/api/v2/type/" + t + "/"}
	}
	switch kind {
	case "pokemon":
		types := []map[string]any{{"slot": 1, "type": typeRef(pokeTypes[rng.IntN(len(pokeTypes))])}}
		if rng.IntN(2) == 0 {
			types = append(types, map[string]any{"slot": 2, "type": typeRef(pokeTypes[rng.IntN(len(pokeTypes))])})
		}
		stats := []map[string]any{}
		for _, st := range []string{"hp", "attack", "defense", "speed"} {
			stats = append(stats, map[string]any{"base_stat": 20 + rng.IntN(100), "effort": rng.IntN(3),
				"stat": namedRef{Name: st, URL: base + "/pokemon/api/v2/stat/" + st + "/"}})
		}
		return map[string]any{
			"id": id, "name": name, "order": id, "is_default": true,
			"height": 3 + rng.IntN(30), "weight": 20 + rng.IntN(2000), "base_experience": 40 + rng.IntN(250),
			"types": types, "stats": stats,
			"abilities": []map[string]any{{"slot": 1, "is_hidden": false,
				"ability": namedRef{Name: pokeSyllables[rng.IntN(len(pokeSyllables))] + "-guard", URL: base + "/pokemon/api/v2/ability/" + strconv.Itoa(1+rng.IntN(300)) + "/"}}},
			"species": namedRef{Name: name, URL: base + "/pokemon/api/v2/pokemon-species/" + strconv.Itoa(id) + "/"},
		}
	case "berry":
		return map[string]any{
			"id": id, "name": name, "growth_time": 2 + rng.IntN(22), "max_harvest": 5 + rng.IntN(10),
			"natural_gift_power": 60 + 10*rng.IntN(3), "size": 20 + rng.IntN(300), "smoothness": 20 + 5*rng.IntN(8),
			"soil_dryness": 4 + rng.IntN(30),
			"firmness":     namedRef{Name: berryFirmness[rng.IntN(len(berryFirmness))], URL: base + "/pokemon/api/v2/berry-firmness/" + strconv.Itoa(1+rng.IntN(5)) + "/"},
			"flavors": []map[string]any{
				{"potency": 10 * rng.IntN(4), "flavor": namedRef{Name: "spicy", URL: base + "/pokemon/api/v2/berry-flavor/1/"}},
				{"potency": 10 * rng.IntN(4), "flavor": namedRef{Name: "dry", URL: base + "/pokemon/api/v2/berry-flavor/2/"}},
			},
		}
	default: // location
		reg := 1 + rng.IntN(len(regions))
		return map[string]any{
			"id": id, "name": name,
			"region": namedRef{Name: regions[reg-1], URL: base + "/pokemon/api/v2/region/" + strconv.Itoa(reg) + "/"},
			"names": []map[string]any{{"name": strings.ToUpper(name[:1]) + name[1:],
				"language": namedRef{Name: "en", URL: base + "/pokemon/api/v2/language/9/"}}},
			"areas": []namedRef{{Name: name + "-area", URL: base + "/pokemon/api/v2/location-area/" + strconv.Itoa(id) + "/"}},
		}
	}
}

// writeText answers a plain-text body (PokéAPI's 404 is "Not Found").
func writeText(w http.ResponseWriter, r *http.Request, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(msg)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(msg))
	}
}

// writeTyped answers v as JSON with the given Content-Type, uncompressed
// (the PostgREST, STAC and GitHub mimics set their own media types).
func writeTyped(w http.ResponseWriter, r *http.Request, status int, ctype string, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, `{"message": "encoding the response failed"}`, http.StatusInternalServerError)
		return
	}
	b := buf.Bytes()
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}
