package paginate

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/extension/paginatortest"
)

// pages serves a chain of JSON pages: next(host, n) gives the body of page
// n (from the query parameter "page", default 1) as a Go value.
func pages(t *testing.T, body func(base string, n int, r *http.Request) any) *httptest.Server {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := 1
		if s := r.URL.Query().Get("page"); s != "" {
			n, _ = strconv.Atoi(s)
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, toJSON(body(srv.URL, n, r)))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func toJSON(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(t)
	case int:
		return strconv.Itoa(t)
	case []any:
		s := make([]string, len(t))
		for i, e := range t {
			s[i] = toJSON(e)
		}
		return "[" + strings.Join(s, ",") + "]"
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		s := make([]string, len(keys))
		for i, k := range keys {
			s[i] = strconv.Quote(k) + ":" + toJSON(t[k])
		}
		return "{" + strings.Join(s, ",") + "}"
	}
	panic(fmt.Sprintf("toJSON: %T", v))
}

// strip removes the server's address so expectations read like paths.
func strip(base string, urls []string) []string {
	out := make([]string, len(urls))
	for i, u := range urls {
		out[i] = strings.TrimPrefix(u, base)
	}
	return out
}

func records(n int) []any {
	return []any{map[string]any{"id": n*10 + 1}, map[string]any{"id": n*10 + 2}}
}

func TestJSONLinkChains(t *testing.T) {
	tests := []struct {
		name  string
		args  map[string]any
		path  string // first request path, with its own query
		query url.Values
		// body of page n; last is the number of pages
		body func(base string, n int) any
		want []string
	}{
		{
			name: "absolute next URLs, default path",
			path: "/posts",
			body: func(base string, n int) any {
				m := map[string]any{"data": records(n)}
				if n < 3 {
					m["next"] = fmt.Sprintf("%s/posts?page=%d", base, n+1)
				}
				return m
			},
			want: []string{"/posts", "/posts?page=2", "/posts?page=3"},
		},
		{
			name:  "params of the first request are not re-sent",
			path:  "/posts",
			query: url.Values{"per_page": {"2"}, "sort": {"asc"}},
			body: func(base string, n int) any {
				if n < 3 {
					return map[string]any{"data": records(n), "next": fmt.Sprintf("%s/posts?page=%d&per_page=2", base, n+1)}
				}
				return map[string]any{"data": records(n), "next": nil}
			},
			want: []string{"/posts?per_page=2&sort=asc", "/posts?page=2&per_page=2", "/posts?page=3&per_page=2"},
		},
		{
			name: "relative to the host root",
			path: "/api/posts",
			body: func(base string, n int) any {
				if n < 3 {
					return map[string]any{"data": records(n), "next_page": fmt.Sprintf("/api/posts?page=%d", n+1)}
				}
				return map[string]any{"data": records(n)}
			},
			args: map[string]any{"next_url_path": "next_page"},
			want: []string{"/api/posts", "/api/posts?page=2", "/api/posts?page=3"},
		},
		{
			name: "query-only reference keeps the current path",
			path: "/api/posts?page=1&x=y",
			body: func(base string, n int) any {
				if n < 3 {
					return map[string]any{"data": records(n), "next": fmt.Sprintf("?page=%d", n+1)}
				}
				return map[string]any{"data": records(n)}
			},
			want: []string{"/api/posts?page=1&x=y", "/api/posts?page=2", "/api/posts?page=3"},
		},
		{
			name: "relative path reference",
			path: "/api/v1/posts",
			body: func(base string, n int) any {
				if n < 2 {
					return map[string]any{"data": records(n), "next": "posts?page=2"}
				}
				if n < 3 {
					return map[string]any{"data": records(n), "next": "../v2/posts?page=3"}
				}
				return map[string]any{"data": records(n)}
			},
			want: []string{"/api/v1/posts", "/api/v1/posts?page=2", "/api/v2/posts?page=3"},
		},
		{
			name: "nested path pagination.next, empty string stops",
			path: "/p",
			args: map[string]any{"next_url_path": "pagination.next"},
			body: func(base string, n int) any {
				next := ""
				if n < 3 {
					next = fmt.Sprintf("%s/p?page=%d", base, n+1)
				}
				return map[string]any{"data": records(n), "pagination": map[string]any{"next": next}}
			},
			want: []string{"/p", "/p?page=2", "/p?page=3"},
		},
		{
			name: "HAL _links.next.href, rooted",
			path: "/p",
			args: map[string]any{"next_url_path": "$._links.next.href"},
			body: func(base string, n int) any {
				links := map[string]any{"self": map[string]any{"href": "/p"}}
				if n < 2 {
					links["next"] = map[string]any{"href": "/p?page=2"}
				}
				return map[string]any{"_embedded": map[string]any{"items": records(n)}, "_links": links}
			},
			want: []string{"/p", "/p?page=2"},
		},
		{
			name: "OData key with dots",
			path: "/odata/People",
			args: map[string]any{"next_url_path": "['@odata.nextLink']"},
			body: func(base string, n int) any {
				m := map[string]any{"value": records(n)}
				if n < 3 {
					m["@odata.nextLink"] = fmt.Sprintf("%s/odata/People?page=%d&$skiptoken=%d", base, n+1, n*8)
				}
				return m
			},
			want: []string{"/odata/People", "/odata/People?page=2&$skiptoken=8", "/odata/People?page=3&$skiptoken=16"},
		},
		{
			name: "bare list body has no next: one page",
			path: "/list",
			body: func(base string, n int) any { return records(n) },
			want: []string{"/list"},
		},
	}
	for _, typ := range []string{"json_link", "json_response"} {
		for _, tt := range tests {
			t.Run(typ+"/"+tt.name, func(t *testing.T) {
				srv := pages(t, func(base string, n int, _ *http.Request) any { return tt.body(base, n) })
				p := newPaginator(t, typ, tt.args)
				got := strip(srv.URL, paginatortest.RunChain(t, p, &extension.Request{Method: "GET", URL: srv.URL + tt.path, Query: tt.query}))
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("requested %q\nwant      %q", got, tt.want)
				}
			})
		}
	}
}

func TestJSONLinkKeepsMethodHeadersAndBody(t *testing.T) {
	var seen []string
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		seen = append(seen, r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("X-Tenant")+" "+string(b))
		if r.URL.Query().Get("page") == "" {
			io.WriteString(w, `{"next": "/search?page=2"}`)
			return
		}
		io.WriteString(w, `{"next": null}`)
	}))
	defer srv.Close()
	p := newPaginator(t, "json_link", nil)
	paginatortest.RunChain(t, p, &extension.Request{
		Method: "POST", URL: srv.URL + "/search",
		Header: http.Header{"X-Tenant": {"acme"}},
		JSON:   map[string]any{"q": "x"},
	})
	want := []string{`POST /search acme {"q":"x"}`, `POST /search?page=2 acme {"q":"x"}`}
	if !reflect.DeepEqual(seen, want) {
		t.Fatalf("seen %q", seen)
	}
}

func TestJSONLinkNext(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		wantMore bool
		wantURL  string
		wantErr  string
	}{
		{"absent", `{"data": []}`, false, "", ""},
		{"null", `{"next": null}`, false, "", ""},
		{"empty string stops (dlt would fail)", `{"next": ""}`, false, "", ""},
		{"absolute", `{"next": "https://other.example/x?y=1"}`, true, "https://other.example/x?y=1", ""},
		{"relative", `{"next": "/r?page=2"}`, true, "http://h:8080/r?page=2", ""},
		{"number is an error", `{"next": 2}`, false, "", "not a URL"},
		{"object is an error", `{"next": {"href": "/x"}}`, false, "", "not a URL"},
		{"not JSON", `<html>`, false, "", "invalid JSON"},
		{"empty body", ``, false, "", ""},
	}
	f := newPaginator(t, "json_link", nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := chain(t, f)
			req := &extension.Request{URL: "http://h:8080/api/r?page=1", Query: url.Values{"a": {"1"}}}
			resp := extension.NewResponse(200, http.Header{}, []byte(tt.body), req.URL, testDecoder{})
			more, err := p.Next(context.Background(), resp, 0, req)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || more != tt.wantMore {
				t.Fatalf("Next = %v, %v", more, err)
			}
			if more && (req.URL != tt.wantURL || req.Query != nil) {
				t.Fatalf("next request %q %v, want %q and no query", req.URL, req.Query, tt.wantURL)
			}
			if !more && req.URL != "http://h:8080/api/r?page=1" {
				t.Fatalf("request changed on stop: %q", req.URL)
			}
		})
	}
}

func TestHeaderLinkChains(t *testing.T) {
	tests := []struct {
		name string
		args map[string]any
		link func(base string, n int) []string // Link header values of page n
		want []string
	}{
		{
			name: "GitHub style: several rels, absolute URLs",
			link: func(base string, n int) []string {
				if n >= 3 {
					return []string{fmt.Sprintf(`<%s/issues?page=1>; rel="first", <%s/issues?page=2>; rel="prev"`, base, base)}
				}
				return []string{fmt.Sprintf(`<%s/issues?page=%d&per_page=2>; rel="next", <%s/issues?page=3>; rel="last"`, base, n+1, base)}
			},
			want: []string{"/issues", "/issues?page=2&per_page=2", "/issues?page=3&per_page=2"},
		},
		{
			name: "relative URLs, unquoted rel, no space after comma",
			link: func(base string, n int) []string {
				if n >= 3 {
					return nil
				}
				return []string{fmt.Sprintf(`</issues?page=%d>;rel=next,</issues?page=9>;rel=last`, n+1)}
			},
			want: []string{"/issues", "/issues?page=2", "/issues?page=3"},
		},
		{
			name: "single quotes, other params first, link in two headers",
			link: func(base string, n int) []string {
				if n >= 2 {
					return nil
				}
				return []string{`</issues?page=9>; rel='last'`, `</issues?page=2>; title=more; rel='next'`}
			},
			want: []string{"/issues", "/issues?page=2"},
		},
		{
			name: "rel=\"next prev\" is not next",
			link: func(base string, n int) []string {
				return []string{`</issues?page=2>; rel="next prev"`}
			},
			want: []string{"/issues"},
		},
		{
			name: "rel is case-sensitive",
			link: func(base string, n int) []string {
				return []string{`</issues?page=2>; rel="Next"`}
			},
			want: []string{"/issues"},
		},
		{
			name: "custom links_next_key",
			args: map[string]any{"links_next_key": "more"},
			link: func(base string, n int) []string {
				if n >= 2 {
					return nil
				}
				return []string{`</issues?page=2>; rel="next", </issues?page=7>; rel="more"`}
			},
			want: []string{"/issues", "/issues?page=7"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var srv *httptest.Server
			srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := 1
				if s := r.URL.Query().Get("page"); s != "" {
					n, _ = strconv.Atoi(s)
				}
				for _, l := range tt.link(srv.URL, n) {
					w.Header().Add("link", l)
				}
				io.WriteString(w, toJSON(records(n)))
			}))
			defer srv.Close()
			p := newPaginator(t, "header_link", tt.args)
			got := strip(srv.URL, paginatortest.RunChain(t, p, &extension.Request{Method: "GET", URL: srv.URL + "/issues", Query: url.Values{"state": {"all"}}}))
			tt.want[0] += "?state=all"
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("requested %q\nwant      %q", got, tt.want)
			}
		})
	}
}

func TestParseLinkHeader(t *testing.T) {
	tests := []struct {
		in   string
		want map[string]string
	}{
		{``, map[string]string{}},
		{`<https://a/p?page=2>; rel="next"`, map[string]string{"next": "https://a/p?page=2"}},
		{`<https://a/2>; rel="next", <https://a/9>; rel="last"`, map[string]string{"next": "https://a/2", "last": "https://a/9"}},
		{`  "<https://a/2>; rel=next"  `, map[string]string{"next": "https://a/2"}},
		{`<https://a/2>; rel="next",   <https://a/3>; rel="next"`, map[string]string{"next": "https://a/3"}},
		{`<https://a/2>`, map[string]string{"https://a/2": "https://a/2"}},
		{`<https://a/2>; rel=""`, map[string]string{"https://a/2": "https://a/2"}},
		{`<https://a/2>; title="x=y"; rel="next"`, map[string]string{"https://a/2": "https://a/2"}}, // requests stops at a part with two '='
		{`<https://a/2>; rel="next prev"`, map[string]string{"next prev": "https://a/2"}},
		{`<https://a/x,y>; rel="next"`, map[string]string{"next": "https://a/x,y"}},
	}
	for _, tt := range tests {
		if got := ParseLinkHeader(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseLinkHeader(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestSinglePage(t *testing.T) {
	srv := pages(t, func(base string, n int, _ *http.Request) any {
		return map[string]any{"data": records(n), "next": base + "/p?page=2"}
	})
	p := newPaginator(t, "single_page", nil)
	if got := strip(srv.URL, paginatortest.RunChain(t, p, &extension.Request{URL: srv.URL + "/p"})); !reflect.DeepEqual(got, []string{"/p"}) {
		t.Fatalf("requested %q", got)
	}
}

func TestArgs(t *testing.T) {
	tests := []struct {
		typ       string
		args      map[string]any
		wantField string // "" = valid
	}{
		{"single_page", nil, ""},
		{"single_page", map[string]any{"limit": 1}, "limit"},
		{"json_link", map[string]any{"next_url_path": "links.next"}, ""},
		{"json_link", map[string]any{"next_url_path": nil}, ""},
		{"json_link", map[string]any{"next_url_path": 5}, "next_url_path"},
		{"json_link", map[string]any{"next_url_path": "a[?("}, "next_url_path"},
		{"json_link", map[string]any{"next_url_path": ""}, "next_url_path"},
		{"json_link", map[string]any{"next_url_path": "next", "initial_page": 1}, "initial_page"},
		{"json_response", map[string]any{"next_url_paht": "x"}, "next_url_paht"},
		{"header_link", map[string]any{"links_next_key": "more"}, ""},
		{"header_link", map[string]any{"links_next_key": ""}, "links_next_key"},
		{"header_link", map[string]any{"links_next_key": true}, "links_next_key"},
		{"header_link", map[string]any{"cursor_key": "x"}, "cursor_key"},
	}
	reg := extension.NewRegistry[extension.PaginatorFactory]("paginator")
	Register(reg)
	for _, tt := range tests {
		_, err := reg.Parse(tt.typ, tt.args)
		if tt.wantField == "" {
			if err != nil {
				t.Errorf("%s %v: %v", tt.typ, tt.args, err)
			}
			continue
		}
		if !slices.Contains(argFields(err), tt.wantField) {
			t.Errorf("%s %v: err %v, want one on field %q", tt.typ, tt.args, err, tt.wantField)
		}
	}
}

// argFields lists the fields an argument error names.
func argFields(err error) []string {
	var list extension.ArgErrors
	if errors.As(err, &list) {
		var f []string
		for _, e := range list {
			f = append(f, e.Field)
		}
		return f
	}
	var one *extension.ArgError
	if errors.As(err, &one) {
		return []string{one.Field}
	}
	return nil
}

func TestTypes(t *testing.T) {
	reg := extension.NewRegistry[extension.PaginatorFactory]("paginator")
	Register(reg)
	want := []string{"cursor", "header_cursor", "header_link", "json_link", "json_response", "offset", "page_number", "single_page"}
	if got := reg.Types(); !reflect.DeepEqual(got, want) {
		t.Fatalf("types %v, want %v", got, want)
	}
}

// TestEveryPaginatorIsRegistered finds each interface guard
// `var _ extension.Paginator = (*T)(nil)` in this package's files and
// checks that Register has a type building a *T.
func TestEveryPaginatorIsRegistered(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	guarded := map[string]bool{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), e.Name(), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				if sel, ok := vs.Type.(*ast.SelectorExpr); !ok || sel.Sel.Name != "Paginator" || len(vs.Values) != 1 {
					continue
				}
				if call, ok := vs.Values[0].(*ast.CallExpr); ok {
					if par, ok := call.Fun.(*ast.ParenExpr); ok {
						if star, ok := par.X.(*ast.StarExpr); ok {
							guarded[star.X.(*ast.Ident).Name] = true
						}
					}
				}
			}
		}
	}
	if len(guarded) == 0 {
		t.Fatal("found no interface guards")
	}
	reg := extension.NewRegistry[extension.PaginatorFactory]("paginator")
	Register(reg)
	built := map[string]bool{}
	for _, typ := range reg.Types() {
		f, err := reg.New(context.Background(), typ, nil, nil)
		if err != nil {
			continue // needs arguments; not the case for any built-in yet
		}
		built[reflect.TypeOf(chain(t, f)).Elem().Name()] = true
	}
	for name := range guarded {
		if !built[name] {
			t.Errorf("paginator %s has an interface guard but Register does not register it", name)
		}
	}
}
