package demoapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The PostgREST mimic under /postgrest/ answers as PostgREST 12 does over
// four tables (people, films, actors and the film_actors link between
// them) and three functions:
//
//	GET  /postgrest/                    the OpenAPI (Swagger 2.0) description, Content-Type application/openapi+json
//	GET  /postgrest/{table}?select=…&{column}={op}.{value}&order=…&limit=…&offset=…
//	     a JSON array of rows; select=*,actors(*) embeds related rows (films ↔ actors)
//	POST /postgrest/rpc/people_born_between  {"from_year": 1950, "to_year": 1980}: the people born then
//	POST /postgrest/rpc/film_cast_size       {}: one row per film with its number of actors
//	POST /postgrest/rpc/add_people           {"n": 5}: inserts n people (updated_at after every other) and returns them
//
// Filters: eq, neq, gt, gte, lt, lte, like, ilike (* is the wildcard), in.(a,b),
// is.null|true|false, each negated by not. (updated_at=gte.2024-01-01T00:00:00Z).
// order=col.asc|desc[,…]. Paging by limit/offset and/or a Range: 0-24
// request header; every answer carries Content-Range: 0-24/* — with
// Prefer: count=exact, 0-24/N (Preference-Applied: count=exact) and 206
// Partial Content when fewer rows than match were sent; an offset past the
// end answers 416 (PGRST103). A Range header that is not "N-" or "N-M" is
// ignored, as PostgREST ignores it.
//
// Every table and function needs a JWT (HS256, PostgRESTJWTSecret) whose
// role claim is PostgRESTRole; without one the request runs as anon and
// gets 401 {"code":"42501", "message":"permission denied for table people"};
// a bad token gets 401 PGRST301 (PGRST303 when expired, with PostgREST's
// 30 s of clock skew). Errors have PostgREST's body {"code", "details",
// "hint", "message"} and its Proxy-Status header.

// Route names of the PostgREST mimic.
const (
	RoutePostgRESTRoot  = "/postgrest/"
	RoutePostgRESTTable = "/postgrest/{table}"
	RoutePostgRESTRPC   = "/postgrest/rpc/{function}"
)

// PostgRESTPeople is the number of people rows at the start; films and
// actors are fixed at 12 and 30.
const (
	PostgRESTPeople = 120
	pgFilms         = 12
	pgActors        = 30
)

// pgClockStart is the updated_at after which added people are written.
var pgClockStart = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

const pgTimeLayout = "2006-01-02T15:04:05-07:00" // PostgreSQL's timestamptz as JSON: +00:00

// pgType is a column type.
type pgType int

const (
	pgInt pgType = iota
	pgText
	pgTime
)

var pgTypeNames = map[pgType][2]string{pgInt: {"integer", "bigint"}, pgText: {"string", "text"}, pgTime: {"string", "timestamp with time zone"}}

type pgColumn struct {
	name string
	typ  pgType
}

// pgTable is a table: its columns in order and its rows (values in the
// columns' order; times as time.Time).
type pgTable struct {
	name string
	cols []pgColumn
	rows [][]any
}

func (t *pgTable) col(name string) int {
	for i, c := range t.cols {
		if c.name == name {
			return i
		}
	}
	return -1
}

// postgrestAPI holds the tables; add_people writes under mu.
type postgrestAPI struct {
	mu         sync.RWMutex
	seed       int64
	tables     map[string]*pgTable
	order      []string   // table names as the OpenAPI lists them
	filmActors [][2]int64 // (film_id, actor_id)
	clock      time.Time  // updated_at of the latest added person
}

var pgFilmTitles = [pgFilms]string{"The Last Cursor", "Return of the Offset", "A New Schema", "The Merge Strikes Back",
	"Attack of the Retries", "Revenge of the Nulls", "The Paginator Awakens", "Rogue Token", "The Rise of the Index",
	"Solo Page", "The Phantom Column", "Dawn of the Dataset"}

var pgWorlds = []string{"Tatooine", "Naboo", "Alderaan", "Corellia", "Kashyyyk", "Coruscant"}
var pgFirst = []string{"Ada", "Bjarne", "Grace", "Dennis", "Ken", "Barbara", "Edsger", "Frances", "Leslie", "Radia", "Niklaus", "Margaret"}
var pgLast = []string{"Lovelace", "Hopper", "Ritchie", "Thompson", "Liskov", "Dijkstra", "Allen", "Lamport", "Perlman", "Wirth", "Hamilton", "Kay"}

func newPostgRESTAPI(seed int64) *postgrestAPI {
	p := &postgrestAPI{seed: seed, tables: map[string]*pgTable{}, clock: pgClockStart}
	people := &pgTable{name: "people", cols: []pgColumn{{"id", pgInt}, {"name", pgText}, {"birth_year", pgInt}, {"height_cm", pgInt},
		{"homeworld", pgText}, {"created_at", pgTime}, {"updated_at", pgTime}}}
	for id := 1; id <= PostgRESTPeople; id++ {
		people.rows = append(people.rows, p.person(int64(id), time.Time{}))
	}
	films := &pgTable{name: "films", cols: []pgColumn{{"id", pgInt}, {"title", pgText}, {"episode", pgInt}, {"release_year", pgInt},
		{"director", pgText}, {"updated_at", pgTime}}}
	for id := 1; id <= pgFilms; id++ {
		rng := rngFor(seed, "pg/film", id)
		films.rows = append(films.rows, []any{int64(id), pgFilmTitles[id-1], int64(id), int64(1977 + 3*id + rng.IntN(2)),
			pgFirst[rng.IntN(len(pgFirst))] + " " + pgLast[rng.IntN(len(pgLast))],
			time.Date(2024, time.Month(1+id%12), 1+rng.IntN(28), 9, 0, 0, 0, time.UTC)})
		seen := map[int]bool{}
		for range 3 + rng.IntN(4) {
			a := 1 + rng.IntN(pgActors)
			if !seen[a] {
				seen[a] = true
				p.filmActors = append(p.filmActors, [2]int64{int64(id), int64(a)})
			}
		}
	}
	actors := &pgTable{name: "actors", cols: []pgColumn{{"id", pgInt}, {"name", pgText}, {"born", pgInt}}}
	for id := 1; id <= pgActors; id++ {
		rng := rngFor(seed, "pg/actor", id)
		actors.rows = append(actors.rows, []any{int64(id), pgFirst[rng.IntN(len(pgFirst))] + " " + pgLast[rng.IntN(len(pgLast))], int64(1930 + rng.IntN(60))})
	}
	link := &pgTable{name: "film_actors", cols: []pgColumn{{"film_id", pgInt}, {"actor_id", pgInt}}}
	for _, fa := range p.filmActors {
		link.rows = append(link.rows, []any{fa[0], fa[1]})
	}
	for _, t := range []*pgTable{people, films, actors, link} {
		p.tables[t.name] = t
		p.order = append(p.order, t.name)
	}
	return p
}

// person makes person id; a zero at means an initial row (updated in
// 2024, every 20th sharing its predecessor's updated_at).
func (p *postgrestAPI) person(id int64, at time.Time) []any {
	rng := rngFor(p.seed, "pg/person", int(id))
	created := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(id) * 36 * time.Hour)
	updated := at
	if at.IsZero() {
		k := id
		if k%20 == 0 {
			k-- // a tie on updated_at: the boundary incremental loading must handle
		}
		updated = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(k) * 70 * time.Hour)
	} else {
		created = at
	}
	return []any{id, pgFirst[rng.IntN(len(pgFirst))] + " " + pgLast[rng.IntN(len(pgLast))], int64(1930 + rng.IntN(70)),
		int64(150 + rng.IntN(50)), pgWorlds[rng.IntN(len(pgWorlds))], created, updated}
}

// AddPeople inserts n people into the PostgREST mimic's people table, as
// POST /postgrest/rpc/add_people does, each updated one second after the
// latest change, and returns their ids.
func (s *Server) AddPeople(n int) []int64 {
	p := s.apis.postgrest
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.tables["people"]
	var ids []int64
	for range n {
		id := int64(len(t.rows) + 1)
		p.clock = p.clock.Add(time.Second)
		t.rows = append(t.rows, p.person(id, p.clock))
		ids = append(ids, id)
	}
	return ids
}

// ResetPeople removes the people AddPeople added and restarts their clock.
func (s *Server) ResetPeople() {
	p := s.apis.postgrest
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.tables["people"]
	t.rows = t.rows[:PostgRESTPeople:PostgRESTPeople] // an append after this copies
	p.clock = pgClockStart
}

// postgrestRoute is the route of a /postgrest/ path.
func postgrestRoute(path string) string {
	rest, ok := strings.CutPrefix(path, "/postgrest")
	switch {
	case !ok:
		return RouteOther
	case rest == "" || rest == "/":
		return RoutePostgRESTRoot
	case strings.HasPrefix(rest, "/rpc/") && len(rest) > len("/rpc/") && !strings.Contains(rest[5:], "/"):
		return RoutePostgRESTRPC
	case !strings.Contains(rest[1:], "/"):
		return RoutePostgRESTTable
	}
	return RouteOther
}

func (s *Server) servePostgREST(w http.ResponseWriter, r *http.Request, rt string) {
	p := s.apis.postgrest
	role, perr := pgRole(r)
	if perr != nil {
		writePGError(w, r, perr)
		return
	}
	switch rt {
	case RoutePostgRESTRoot:
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			writePGError(w, r, pgErr(http.StatusMethodNotAllowed, "PGRST117", "Unsupported HTTP method: "+r.Method))
			return
		}
		p.mu.RLock()
		doc := p.openAPI(r)
		p.mu.RUnlock()
		writeTyped(w, r, http.StatusOK, "application/openapi+json; charset=utf-8", doc)
	case RoutePostgRESTTable:
		name := strings.TrimPrefix(r.URL.Path, "/postgrest/")
		p.mu.RLock()
		t := p.tables[name]
		p.mu.RUnlock()
		if t == nil {
			e := pgErr(http.StatusNotFound, "PGRST205", "Could not find the table 'public."+name+"' in the schema cache")
			e.Hint = strp("Perhaps you meant the table 'public.people'")
			writePGError(w, r, e)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			writePGError(w, r, pgDenied(role, "table", name))
			return
		}
		if role != PostgRESTRole {
			writePGError(w, r, pgDenied(role, "table", name))
			return
		}
		p.mu.RLock()
		rows := p.project(t, nil)
		p.mu.RUnlock()
		p.answer(w, r, t, rows, r.URL.Query())
	case RoutePostgRESTRPC:
		p.serveRPC(w, r, role, strings.TrimPrefix(r.URL.Path, "/postgrest/rpc/"), s)
	default:
		writePGError(w, r, pgErr(http.StatusNotFound, "PGRST125", "Invalid path specified in request URL"))
	}
}

func pgDenied(role, kind, name string) *pgError {
	if role == "anon" {
		return pgErr(http.StatusUnauthorized, "42501", "permission denied for "+kind+" "+name)
	}
	return pgErr(http.StatusForbidden, "42501", "permission denied for "+kind+" "+name)
}

// pgFunctions are the RPC functions: their arguments in order.
var pgFunctions = map[string][]string{
	"people_born_between": {"from_year", "to_year"},
	"film_cast_size":      {},
	"add_people":          {"n"},
}

func (p *postgrestAPI) serveRPC(w http.ResponseWriter, r *http.Request, role, fn string, s *Server) {
	params, known := pgFunctions[fn]
	args := map[string]any{}
	q := r.URL.Query()
	switch r.Method {
	case http.MethodPost:
		raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			writePGError(w, r, pgErr(http.StatusBadRequest, "PGRST102", "Empty or invalid json"))
			return
		}
		if len(bytes.TrimSpace(raw)) > 0 {
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			if err := dec.Decode(&args); err != nil {
				writePGError(w, r, pgErr(http.StatusBadRequest, "PGRST102", "Empty or invalid json"))
				return
			}
		}
	case http.MethodGet, http.MethodHead:
		for _, a := range params {
			if v, ok := q[a]; ok {
				args[a] = v[0]
				q.Del(a)
			}
		}
	default:
		writePGError(w, r, pgErr(http.StatusMethodNotAllowed, "PGRST101", "Only GET, HEAD or POST are allowed on functions"))
		return
	}
	names := make([]string, 0, len(args))
	for k := range args {
		names = append(names, k)
	}
	sort.Strings(names)
	if !known || !sameSet(names, params) {
		e := pgErr(http.StatusNotFound, "PGRST202", fmt.Sprintf("Could not find the function public.%s(%s) in the schema cache", fn, strings.Join(names, ", ")))
		e.Details = strp(fmt.Sprintf("Searched for the function public.%s with parameters %s or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.", fn, strings.Join(names, ", ")))
		if known {
			e.Hint = strp(fmt.Sprintf("Perhaps you meant to call the function public.%s(%s)", fn, strings.Join(params, ", ")))
		}
		writePGError(w, r, e)
		return
	}
	if role != PostgRESTRole {
		writePGError(w, r, pgDenied(role, "function", fn))
		return
	}
	intArg := func(name string) (int64, *pgError) {
		v := fmt.Sprint(args[name])
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, pgErr(http.StatusBadRequest, "22P02", `invalid input syntax for type integer: "`+v+`"`)
		}
		return n, nil
	}
	switch fn {
	case "people_born_between":
		from, e1 := intArg("from_year")
		to, e2 := intArg("to_year")
		if e := firstPGError(e1, e2); e != nil {
			writePGError(w, r, e)
			return
		}
		p.mu.RLock()
		t := p.tables["people"]
		rows := p.project(t, func(row []any) bool { y := row[2].(int64); return y >= from && y <= to })
		p.mu.RUnlock()
		p.answer(w, r, t, rows, q)
	case "film_cast_size":
		t := &pgTable{name: "film_cast_size", cols: []pgColumn{{"film_id", pgInt}, {"title", pgText}, {"cast_size", pgInt}}}
		p.mu.RLock()
		for _, f := range p.tables["films"].rows {
			n := int64(0)
			for _, fa := range p.filmActors {
				if fa[0] == f[0].(int64) {
					n++
				}
			}
			t.rows = append(t.rows, []any{f[0], f[1], n})
		}
		rows := p.project(t, nil)
		p.mu.RUnlock()
		p.answer(w, r, t, rows, q)
	case "add_people":
		n, e := intArg("n")
		if e == nil && (n < 1 || n > 10000) {
			e = pgErr(http.StatusBadRequest, "P0001", "n must be from 1 to 10000")
		}
		if e != nil {
			writePGError(w, r, e)
			return
		}
		ids := s.AddPeople(int(n))
		p.mu.RLock()
		t := p.tables["people"]
		rows := p.project(t, func(row []any) bool { return row[0].(int64) >= ids[0] })
		p.mu.RUnlock()
		p.answer(w, r, t, rows, q)
	}
}

func firstPGError(es ...*pgError) *pgError {
	for _, e := range es {
		if e != nil {
			return e
		}
	}
	return nil
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	bb := append([]string(nil), b...)
	sort.Strings(bb)
	for i := range a {
		if a[i] != bb[i] {
			return false
		}
	}
	return true
}

// pgRecord is a row being answered: the table's values and, after select,
// the output in order.
type pgRecord struct {
	vals []any
}

// project copies the rows of t that keep accepts (nil: all), so that the
// answer is built outside the lock.
func (p *postgrestAPI) project(t *pgTable, keep func([]any) bool) []pgRecord {
	out := make([]pgRecord, 0, len(t.rows))
	for _, row := range t.rows {
		if keep == nil || keep(row) {
			out = append(out, pgRecord{vals: row})
		}
	}
	return out
}

// answer filters, orders, pages and selects rows of t by the query q and
// writes them with PostgREST's headers.
func (p *postgrestAPI) answer(w http.ResponseWriter, r *http.Request, t *pgTable, rows []pgRecord, q url.Values) {
	sel, err := parseSelect(q.Get("select"))
	if err != nil {
		writePGError(w, r, err)
		return
	}
	for key, vals := range q {
		switch key {
		case "select", "order", "limit", "offset":
			continue
		case "or", "and", "not.or", "not.and":
			writePGError(w, r, pgErr(http.StatusBadRequest, "PGRST100", "logical operators (or=, and=) are not served by the demo API; filter on one column per parameter"))
			return
		}
		if strings.Contains(key, ".") {
			writePGError(w, r, pgErr(http.StatusBadRequest, "PGRST100", "filters on embedded resources ("+key+") are not served by the demo API"))
			return
		}
		ci := t.col(key)
		if ci < 0 {
			writePGError(w, r, pgErr(http.StatusBadRequest, "42703", "column "+t.name+"."+key+" does not exist"))
			return
		}
		for _, v := range vals {
			f, perr := parseFilter(key, v, t.cols[ci].typ)
			if perr != nil {
				writePGError(w, r, perr)
				return
			}
			kept := rows[:0:0]
			for _, row := range rows {
				if f(row.vals[ci]) {
					kept = append(kept, row)
				}
			}
			rows = kept
		}
	}
	if o := q.Get("order"); o != "" {
		if perr := orderRows(t, rows, o); perr != nil {
			writePGError(w, r, perr)
			return
		}
	}
	total := len(rows)
	lo, hi := 0, total
	if rh := r.Header.Get("Range"); rh != "" {
		if a, b, ok := parseItemRange(rh); ok { // PostgREST ignores a Range it cannot read
			lo = a
			if b >= 0 {
				hi = min(hi, b+1)
			}
		}
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writePGError(w, r, pgErr(http.StatusBadRequest, "PGRST100", `"failed to parse offset parameter (`+v+`)"`))
			return
		}
		lo += n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writePGError(w, r, pgErr(http.StatusBadRequest, "PGRST100", `"failed to parse limit parameter (`+v+`)"`))
			return
		}
		hi = min(hi, lo+n)
	}
	exact := false
	for _, pref := range r.Header.Values("Prefer") {
		for part := range strings.SplitSeq(pref, ",") {
			switch p := strings.TrimSpace(part); p {
			case "count=exact", "count=planned", "count=estimated":
				exact = true
				w.Header().Set("Preference-Applied", p)
			}
		}
	}
	loc := strings.TrimPrefix(r.URL.Path, "/postgrest")
	if r.URL.RawQuery != "" {
		loc += "?" + r.URL.RawQuery
	}
	w.Header().Set("Content-Location", loc)
	if exact && lo > total {
		e := pgErr(http.StatusRequestedRangeNotSatisfiable, "PGRST103", "Requested range not satisfiable")
		e.Details = strp(fmt.Sprintf("An offset of %d was requested, but there are only %d rows.", lo, total))
		w.Header().Set("Content-Range", "*/"+strconv.Itoa(total))
		writePGError(w, r, e)
		return
	}
	lo = min(lo, total)
	hi = max(lo, min(hi, total))
	totalStr := "*"
	if exact {
		totalStr = strconv.Itoa(total)
	}
	cr := "*/" + totalStr
	if hi > lo {
		cr = strconv.Itoa(lo) + "-" + strconv.Itoa(hi-1) + "/" + totalStr
	}
	w.Header().Set("Content-Range", cr)
	status := http.StatusOK
	if exact && hi-lo < total { // fewer rows than match: PostgREST's rangeStatus
		status = http.StatusPartialContent
	}
	out := make([]json.RawMessage, 0, hi-lo)
	var buf bytes.Buffer
	for _, row := range rows[lo:hi] {
		buf.Reset()
		if perr := p.render(&buf, t, row.vals, sel); perr != nil {
			writePGError(w, r, perr)
			return
		}
		out = append(out, json.RawMessage(append([]byte(nil), buf.Bytes()...)))
	}
	writeTyped(w, r, status, "application/json; charset=utf-8", out)
}

// parseItemRange reads a Range request header: "0-24", "10-" (and an
// optional "items=" unit).
func parseItemRange(h string) (lo, hi int, ok bool) {
	h = strings.TrimPrefix(strings.TrimSpace(h), "items=")
	a, b, found := strings.Cut(h, "-")
	if !found {
		return 0, 0, false
	}
	lo, err := strconv.Atoi(a)
	if err != nil || lo < 0 {
		return 0, 0, false
	}
	if b == "" {
		return lo, -1, true
	}
	hi, err = strconv.Atoi(b)
	if err != nil || hi < lo {
		return 0, 0, false
	}
	return lo, hi, true
}

// selectItem is one item of ?select: a column, * or an embedded table.
type selectItem struct {
	alias, name string
	star        bool
	embed       []selectItem // non-nil for name(…)
}

// parseSelect reads a select list: "*", "id,name", "*,actors(*)",
// "title,cast:actors(name)". An empty list is "*".
func parseSelect(s string) ([]selectItem, *pgError) {
	if strings.TrimSpace(s) == "" {
		return []selectItem{{star: true}}, nil
	}
	items, rest, err := parseSelectList(s)
	if err == nil && rest != "" {
		err = fmt.Errorf("unexpected %q", rest)
	}
	if err != nil {
		e := pgErr(http.StatusBadRequest, "PGRST100", `"failed to parse select parameter (`+s+`)"`)
		e.Details = strp(err.Error())
		return nil, e
	}
	return items, nil
}

func parseSelectList(s string) ([]selectItem, string, error) {
	var items []selectItem
	for {
		s = strings.TrimSpace(s)
		end := strings.IndexAny(s, ",()")
		if end < 0 {
			end = len(s)
		}
		word := strings.TrimSpace(s[:end])
		s = s[end:]
		if word == "" {
			return nil, s, fmt.Errorf("expected a column name")
		}
		it := selectItem{}
		if a, n, ok := strings.Cut(word, ":"); ok {
			it.alias, word = a, n
		}
		word, _, _ = strings.Cut(word, "!") // a relationship hint: actors!film_actors(*)
		if word == "*" {
			it.star = true
		} else {
			it.name = word
		}
		if strings.HasPrefix(s, "(") {
			sub, rest, err := parseSelectList(s[1:])
			if err != nil {
				return nil, rest, err
			}
			if !strings.HasPrefix(rest, ")") {
				return nil, rest, fmt.Errorf("expected ) after the columns of %s", word)
			}
			it.embed, s = sub, rest[1:]
		}
		items = append(items, it)
		if !strings.HasPrefix(s, ",") {
			return items, s, nil
		}
		s = s[1:]
	}
}

// related are the rows of other that row (of t) relates to through
// film_actors, or ok false when the tables are not related.
func (p *postgrestAPI) related(t *pgTable, row []any, other string) (*pgTable, [][]any, bool) {
	var mine, theirs int
	switch {
	case t.name == "films" && other == "actors":
		mine, theirs = 0, 1
	case t.name == "actors" && other == "films":
		mine, theirs = 1, 0
	default:
		return nil, nil, false
	}
	ot := p.tables[other]
	var out [][]any
	id := row[0].(int64)
	for _, fa := range p.filmActors {
		if fa[mine] == id {
			out = append(out, ot.rows[fa[theirs]-1])
		}
	}
	return ot, out, true
}

// render writes row of t as a JSON object with the columns sel selects.
func (p *postgrestAPI) render(buf *bytes.Buffer, t *pgTable, row []any, sel []selectItem) *pgError {
	buf.WriteByte('{')
	first := true
	key := func(k string) {
		if !first {
			buf.WriteByte(',')
		}
		first = false
		b, _ := json.Marshal(k)
		buf.Write(b)
		buf.WriteByte(':')
	}
	for _, it := range sel {
		switch {
		case it.star && it.embed == nil:
			for i, c := range t.cols {
				key(c.name)
				writePGValue(buf, row[i])
			}
		case it.embed != nil:
			ot, rows, ok := p.related(t, row, it.name)
			if !ok {
				e := pgErr(http.StatusBadRequest, "PGRST200", "Could not find a relationship between '"+t.name+"' and '"+it.name+"' in the schema cache")
				e.Details = strp("Searched for a foreign key relationship between '" + t.name + "' and '" + it.name + "' in the schema 'public', but no matches were found.")
				return e
			}
			name := it.name
			if it.alias != "" {
				name = it.alias
			}
			key(name)
			buf.WriteByte('[')
			for i, orow := range rows {
				if i > 0 {
					buf.WriteByte(',')
				}
				if e := p.render(buf, ot, orow, it.embed); e != nil {
					return e
				}
			}
			buf.WriteByte(']')
		default:
			ci := t.col(it.name)
			if ci < 0 {
				return pgErr(http.StatusBadRequest, "42703", "column "+t.name+"."+it.name+" does not exist")
			}
			name := it.name
			if it.alias != "" {
				name = it.alias
			}
			key(name)
			writePGValue(buf, row[ci])
		}
	}
	buf.WriteByte('}')
	return nil
}

func writePGValue(buf *bytes.Buffer, v any) {
	switch x := v.(type) {
	case time.Time:
		buf.WriteString(`"` + x.UTC().Format(pgTimeLayout) + `"`)
	case nil:
		buf.WriteString("null")
	default:
		b, _ := json.Marshal(x)
		buf.Write(b)
	}
}

// parseFilter reads "op.value" (optionally "not.op.value") for a column
// of type typ.
func parseFilter(col, v string, typ pgType) (func(any) bool, *pgError) {
	bad := func() *pgError {
		e := pgErr(http.StatusBadRequest, "PGRST100", `"failed to parse filter (`+v+`)" (line 1, column 1)`)
		e.Details = strp("unexpected \"" + firstRune(v) + "\" expecting \"not\" or operator (eq, gt, ...)")
		return e
	}
	negate := false
	if rest, ok := strings.CutPrefix(v, "not."); ok {
		negate, v = true, rest
	}
	op, arg, ok := strings.Cut(v, ".")
	if !ok {
		return nil, bad()
	}
	conv := func(s string) (any, *pgError) {
		switch typ {
		case pgInt:
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, pgErr(http.StatusBadRequest, "22P02", `invalid input syntax for type bigint: "`+s+`"`)
			}
			return n, nil
		case pgTime:
			for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05Z07:00", "2006-01-02"} {
				if t, err := time.Parse(layout, s); err == nil {
					return t, nil
				}
			}
			return nil, pgErr(http.StatusBadRequest, "22007", `invalid input syntax for type timestamp with time zone: "`+s+`"`)
		}
		return s, nil
	}
	cmp := func(a, b any) int {
		switch x := a.(type) {
		case int64:
			y := b.(int64)
			switch {
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		case time.Time:
			return x.Compare(b.(time.Time))
		}
		return strings.Compare(a.(string), b.(string))
	}
	var f func(any) bool
	switch op {
	case "eq", "neq", "gt", "gte", "lt", "lte":
		val, e := conv(arg)
		if e != nil {
			return nil, e
		}
		f = func(x any) bool {
			c := cmp(x, val)
			switch op {
			case "eq":
				return c == 0
			case "neq":
				return c != 0
			case "gt":
				return c > 0
			case "gte":
				return c >= 0
			case "lt":
				return c < 0
			}
			return c <= 0
		}
	case "like", "ilike":
		fold := op == "ilike"
		pat := arg
		if fold {
			pat = strings.ToLower(pat)
		}
		f = func(x any) bool {
			s := fmt.Sprint(x)
			if fold {
				s = strings.ToLower(s)
			}
			return globMatch(pat, s)
		}
	case "in":
		if !strings.HasPrefix(arg, "(") || !strings.HasSuffix(arg, ")") {
			return nil, bad()
		}
		var set []any
		for _, part := range strings.Split(arg[1:len(arg)-1], ",") {
			val, e := conv(strings.Trim(strings.TrimSpace(part), `"`))
			if e != nil {
				return nil, e
			}
			set = append(set, val)
		}
		f = func(x any) bool {
			for _, v := range set {
				if cmp(x, v) == 0 {
					return true
				}
			}
			return false
		}
	case "is":
		switch arg {
		case "null":
			f = func(x any) bool { return x == nil }
		case "true", "false", "unknown":
			f = func(any) bool { return false }
		default:
			return nil, bad()
		}
	default:
		return nil, bad()
	}
	if negate {
		g := f
		f = func(x any) bool { return !g(x) }
	}
	return f, nil
}

func firstRune(s string) string {
	for _, r := range s {
		return string(r)
	}
	return ""
}

// globMatch matches s against pat, where * is any run of characters (and
// % too, as SQL writes it).
func globMatch(pat, s string) bool {
	pat = strings.ReplaceAll(pat, "%", "*")
	parts := strings.Split(pat, "*")
	if len(parts) == 1 {
		return pat == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, part := range parts[1 : len(parts)-1] {
		i := strings.Index(s, part)
		if i < 0 {
			return false
		}
		s = s[i+len(part):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

// orderRows sorts rows by "col.asc,col2.desc" (nullsfirst/nullslast ignored).
func orderRows(t *pgTable, rows []pgRecord, spec string) *pgError {
	type key struct {
		ci   int
		desc bool
	}
	var keys []key
	for _, part := range strings.Split(spec, ",") {
		fields := strings.Split(strings.TrimSpace(part), ".")
		ci := t.col(fields[0])
		if ci < 0 {
			return pgErr(http.StatusBadRequest, "42703", "column "+t.name+"."+fields[0]+" does not exist")
		}
		k := key{ci: ci}
		for _, m := range fields[1:] {
			switch m {
			case "asc", "nullsfirst", "nullslast":
			case "desc":
				k.desc = true
			default:
				e := pgErr(http.StatusBadRequest, "PGRST100", `"failed to parse order (`+spec+`)" (line 1, column 1)`)
				e.Details = strp("unexpected \"" + m + "\" expecting \"asc\", \"desc\", \"nullsfirst\" or \"nullslast\"")
				return e
			}
		}
		keys = append(keys, k)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		for _, k := range keys {
			a, b := rows[i].vals[k.ci], rows[j].vals[k.ci]
			var c int
			switch x := a.(type) {
			case int64:
				y := b.(int64)
				c = map[bool]int{true: -1, false: 0}[x < y] + map[bool]int{true: 1, false: 0}[x > y]
			case time.Time:
				c = x.Compare(b.(time.Time))
			default:
				c = strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
			}
			if c != 0 {
				return (c < 0) != k.desc
			}
		}
		return false
	})
	return nil
}

// openAPI is the Swagger 2.0 description PostgREST serves at its root.
func (p *postgrestAPI) openAPI(r *http.Request) map[string]any {
	paths := map[string]any{"/": map[string]any{"get": map[string]any{"summary": "OpenAPI description (this document)", "produces": []string{"application/openapi+json", "application/json"}, "responses": map[string]any{"200": map[string]any{"description": "OK"}}, "tags": []string{"Introspection"}}}}
	defs := map[string]any{}
	parameters := map[string]any{
		"select":      map[string]any{"name": "select", "description": "Filtering Columns", "required": false, "in": "query", "type": "string"},
		"order":       map[string]any{"name": "order", "description": "Ordering", "required": false, "in": "query", "type": "string"},
		"range":       map[string]any{"name": "Range", "description": "Limiting and Pagination", "required": false, "in": "header", "type": "string"},
		"rangeUnit":   map[string]any{"name": "Range-Unit", "description": "Limiting and Pagination", "required": false, "default": "items", "in": "header", "type": "string"},
		"offset":      map[string]any{"name": "offset", "description": "Limiting and Pagination", "required": false, "in": "query", "type": "string"},
		"limit":       map[string]any{"name": "limit", "description": "Limiting and Pagination", "required": false, "in": "query", "type": "string"},
		"preferCount": map[string]any{"name": "Prefer", "description": "Preference", "required": false, "enum": []string{"count=none"}, "in": "header", "type": "string"},
	}
	for _, name := range p.order {
		t := p.tables[name]
		props := map[string]any{}
		var required []string
		var params []any
		for i, c := range t.cols {
			tn := pgTypeNames[c.typ]
			prop := map[string]any{"type": tn[0], "format": tn[1]}
			if i == 0 && c.name == "id" {
				prop["description"] = "Note:\nThis is a Primary Key.<pk/>"
			}
			props[c.name] = prop
			required = append(required, c.name)
			params = append(params, map[string]any{"$ref": "#/parameters/rowFilter." + name + "." + c.name})
			parameters["rowFilter."+name+"."+c.name] = map[string]any{"name": c.name, "required": false, "in": "query", "type": "string", "format": tn[1]}
		}
		defs[name] = map[string]any{"type": "object", "required": required, "properties": props}
		params = append(params, map[string]any{"$ref": "#/parameters/select"}, map[string]any{"$ref": "#/parameters/order"},
			map[string]any{"$ref": "#/parameters/range"}, map[string]any{"$ref": "#/parameters/rangeUnit"},
			map[string]any{"$ref": "#/parameters/offset"}, map[string]any{"$ref": "#/parameters/limit"},
			map[string]any{"$ref": "#/parameters/preferCount"})
		paths["/"+name] = map[string]any{"get": map[string]any{"tags": []string{name}, "parameters": params,
			"responses": map[string]any{"200": map[string]any{"description": "OK", "schema": map[string]any{"type": "array", "items": map[string]any{"$ref": "#/definitions/" + name}}},
				"206": map[string]any{"description": "Partial Content"}}}}
	}
	fns := make([]string, 0, len(pgFunctions))
	for fn := range pgFunctions {
		fns = append(fns, fn)
	}
	sort.Strings(fns)
	for _, fn := range fns {
		props := map[string]any{}
		for _, a := range pgFunctions[fn] {
			props[a] = map[string]any{"type": "integer", "format": "integer"}
		}
		paths["/rpc/"+fn] = map[string]any{"post": map[string]any{"tags": []string{"(rpc) " + fn}, "produces": []string{"application/json"},
			"parameters": []any{map[string]any{"in": "body", "name": "args", "required": true,
				"schema": map[string]any{"type": "object", "required": pgFunctions[fn], "properties": props}}},
			"responses": map[string]any{"200": map[string]any{"description": "OK"}}}}
	}
	return map[string]any{
		"swagger": "2.0",
		"info":    map[string]any{"title": "sluice demo PostgREST", "description": "A PostgREST-shaped API of people and films, served by sluice-demo-api", "version": "12.2.3"},
		"host":    r.Host, "basePath": "/postgrest", "schemes": []string{"http"},
		"consumes": []string{"application/json", "application/vnd.pgrst.object+json;nulls=stripped", "application/vnd.pgrst.object+json", "text/csv"},
		"produces": []string{"application/json", "application/vnd.pgrst.object+json;nulls=stripped", "application/vnd.pgrst.object+json", "text/csv"},
		"paths":    paths, "definitions": defs,
		"parameters":   parameters,
		"externalDocs": map[string]any{"description": "PostgREST Documentation", "url": "https://postgrest.org/en/v12/references/api.html"},
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
