package main

import (
	"bytes"
	"crypto/subtle"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/runtime/browse"
	"github.com/sluicehq/sluice/runtime/schema"
)

// uiFiles are the page templates and the style sheet of sluice ui, served
// from the binary (no CDN, nothing fetched at run time).
//
//go:embed ui
var uiFiles embed.FS

// uiTokenCookie keeps the token of a token-protected sluice ui once the
// URL with ?token= was opened.
const uiTokenCookie = "sluice_ui_token"

// uiOptions configure the sluice ui handler.
type uiOptions struct {
	// Token, when set, is required on every request: as ?token= (which
	// sets a cookie and redirects to the URL without it) or the cookie.
	Token string
	// Title names the database in the page header.
	Title string
}

// uiServer is the http.Handler of sluice ui.
type uiServer struct {
	b     *browse.Browser
	opts  uiOptions
	pages map[string]*template.Template
	mux   *http.ServeMux
}

var uiFuncs = template.FuncMap{
	"dur": func(d time.Duration) string {
		if d <= 0 {
			return "–"
		}
		return d.Round(time.Millisecond).String()
	},
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "–"
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"indent":   func(depth int) string { return strings.Repeat("\u2003", depth) },
	"num":      func(n int64) string { return groupDigits(n) },
	"join":     strings.Join,
	"loadURL":  loadURL,
	"tableURL": func(t string) string { return "/tables/" + url.PathEscape(t) },
}

// groupDigits writes n with thin spaces between groups of three digits.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString("\u202f")
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func newUIServer(b *browse.Browser, opts uiOptions) *uiServer {
	s := &uiServer{b: b, opts: opts, pages: map[string]*template.Template{}, mux: http.NewServeMux()}
	for _, p := range []string{"loads", "tables", "data", "state", "versions", "error"} {
		s.pages[p] = template.Must(template.New("layout.html").Funcs(uiFuncs).ParseFS(uiFiles, "ui/layout.html", "ui/"+p+".html"))
	}
	static, _ := fs.Sub(uiFiles, "ui/static")
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	s.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loads", http.StatusSeeOther)
	})
	s.mux.HandleFunc("GET /loads", s.loads)
	s.mux.HandleFunc("GET /tables", s.tables)
	s.mux.HandleFunc("GET /tables/{table}", s.data)
	s.mux.HandleFunc("GET /state", s.state)
	s.mux.HandleFunc("GET /versions", s.versions)
	return s
}

// ServeHTTP checks the Host header and the token, sets headers that keep
// the page to itself, and serves the page.
func (s *uiServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "sluice ui is read-only: only GET", http.StatusMethodNotAllowed)
		return
	}
	if s.opts.Token == "" && !loopbackHost(r.Host) {
		// without a token the page is for this machine only; a page served
		// to a name that resolves here (DNS rebinding) is refused
		http.Error(w, "sluice ui without a token answers only to localhost / 127.0.0.1 (the Host header was "+r.Host+")", http.StatusForbidden)
		return
	}
	if s.opts.Token != "" {
		if q := r.URL.Query(); q.Has("token") {
			if !sameToken(q.Get("token"), s.opts.Token) {
				http.Error(w, "wrong token: open the URL sluice ui printed when it started", http.StatusUnauthorized)
				return
			}
			http.SetCookie(w, &http.Cookie{Name: uiTokenCookie, Value: s.opts.Token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
			q.Del("token")
			u := *r.URL
			u.RawQuery = q.Encode()
			http.Redirect(w, r, u.RequestURI(), http.StatusSeeOther)
			return
		}
		c, err := r.Cookie(uiTokenCookie)
		if err != nil || !sameToken(c.Value, s.opts.Token) {
			http.Error(w, "this sluice ui needs its token: open the URL with ?token=… that sluice ui printed when it started", http.StatusUnauthorized)
			return
		}
	}
	s.mux.ServeHTTP(w, r)
}

func sameToken(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// pageData is what every page template gets.
type pageData struct {
	Title string
	Nav   string
	Data  any
}

func (s *uiServer) render(w http.ResponseWriter, page, nav string, status int, data any) {
	var buf bytes.Buffer
	if err := s.pages[page].Execute(&buf, pageData{Title: s.opts.Title, Nav: nav, Data: data}); err != nil {
		log.Printf("sluice ui: rendering %s: %v", page, err)
		http.Error(w, "sluice ui: rendering the page failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// fail renders err as a page: 400 for a name or value from the URL that
// is wrong, 404 for an unknown table, 500 otherwise.
func (s *uiServer) fail(w http.ResponseWriter, nav string, err error) {
	status := http.StatusInternalServerError
	var unknown *browse.UnknownError
	var bad *browse.BadValueError
	switch {
	case errors.As(err, &unknown) && unknown.What == "table":
		status = http.StatusNotFound
	case errors.As(err, &unknown), errors.As(err, &bad):
		status = http.StatusBadRequest
	case errors.Is(err, browse.ErrNoSchema):
		status = http.StatusOK
	}
	s.render(w, "error", nav, status, map[string]any{"Status": status, "Message": err.Error()})
}

func (s *uiServer) loads(w http.ResponseWriter, r *http.Request) {
	loads, err := s.b.Loads(r.Context())
	if err != nil {
		s.fail(w, "loads", err)
		return
	}
	s.render(w, "loads", "loads", http.StatusOK, loads)
}

func (s *uiServer) tables(w http.ResponseWriter, r *http.Request) {
	tables, err := s.b.Tables(r.Context())
	if err != nil {
		s.fail(w, "tables", err)
		return
	}
	s.render(w, "tables", "tables", http.StatusOK, tables)
}

// dataView is what the data page shows.
type dataView struct {
	Page   *browse.Page
	Query  browse.Query
	Filter browse.Filter
	Parent string
	// Ops are the filter operators for the form.
	Ops []string
	// FirstURL, NextURL: the first and the next page of the same query.
	FirstURL, NextURL string
	// ParentTable is the table of the rows' parents ("" for a root table).
	ParentTable string
}

// SortURL is the URL that sorts by col (descending when it is already
// the ascending sort).
func (v *dataView) SortURL(col string) string {
	return v.url(func(q url.Values) {
		q.Del("after")
		q.Set("sort", col)
		if v.Query.Sort == col && !v.Query.Desc {
			q.Set("desc", "1")
		} else {
			q.Del("desc")
		}
	})
}

// SortMark is the arrow beside the sorted column's name.
func (v *dataView) SortMark(col string) string {
	if v.Query.Sort != col {
		return ""
	}
	if v.Query.Desc {
		return " ▼"
	}
	return " ▲"
}

func (v *dataView) url(edit func(url.Values)) string {
	q := url.Values{}
	if v.Query.Sort != "" {
		q.Set("sort", v.Query.Sort)
	}
	if v.Query.Desc {
		q.Set("desc", "1")
	}
	if v.Filter.Column != "" {
		q.Set("f", v.Filter.Column)
		q.Set("op", v.Filter.Op)
		q.Set("v", v.Filter.Value)
	}
	if v.Parent != "" {
		q.Set("parent", v.Parent)
	}
	if v.Query.After != "" {
		q.Set("after", v.Query.After)
	}
	edit(q)
	u := "/tables/" + url.PathEscape(v.Query.Table)
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

func (s *uiServer) data(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := &dataView{Ops: browse.Operators, Parent: q.Get("parent")}
	v.Query = browse.Query{Table: r.PathValue("table"), Sort: q.Get("sort"), Desc: q.Get("desc") == "1", After: q.Get("after")}
	if n := q.Get("limit"); n != "" {
		limit, err := strconv.Atoi(n)
		if err != nil || limit < 1 {
			s.fail(w, "tables", &browse.BadValueError{Field: "limit", Msg: fmt.Sprintf("%q is not a page size (1 to 1000)", n)})
			return
		}
		v.Query.Limit = limit
	}
	if col := q.Get("f"); col != "" {
		op := q.Get("op")
		if op == "" {
			op = "="
		}
		v.Filter = browse.Filter{Column: col, Op: op, Value: q.Get("v")}
		v.Query.Filters = append(v.Query.Filters, v.Filter)
	}
	if v.Parent != "" {
		v.Query.Filters = append(v.Query.Filters, browse.Filter{Column: schema.ColParentID, Op: "=", Value: v.Parent})
	}
	page, err := s.b.Rows(r.Context(), v.Query)
	if err != nil {
		s.fail(w, "tables", err)
		return
	}
	v.Page = page
	v.ParentTable = page.Table.Parent
	v.FirstURL = v.url(func(q url.Values) { q.Del("after") })
	if page.Next != "" {
		v.NextURL = v.url(func(q url.Values) { q.Set("after", page.Next) })
	}
	s.render(w, "data", "tables", http.StatusOK, v)
}

func (s *uiServer) state(w http.ResponseWriter, r *http.Request) {
	st, err := s.b.State(r.Context())
	if err != nil {
		s.fail(w, "state", err)
		return
	}
	s.render(w, "state", "state", http.StatusOK, st)
}

func (s *uiServer) versions(w http.ResponseWriter, r *http.Request) {
	vs, err := s.b.Versions(r.Context())
	if err != nil {
		s.fail(w, "versions", err)
		return
	}
	s.render(w, "versions", "versions", http.StatusOK, vs)
}

// ChildURL is the URL of the rows of table child whose parent is the row
// with `_dlt_id` id.
func (v *dataView) ChildURL(child, id string) string {
	return "/tables/" + url.PathEscape(child) + "?" + url.Values{"parent": {id}}.Encode()
}

// ParentURL is the URL of the parent row of row ("" for a root table's
// rows).
func (v *dataView) ParentURL(row browse.Row) string {
	if v.ParentTable == "" {
		return ""
	}
	for i, c := range v.Page.Columns {
		if c.Name == schema.ColParentID && !row.Cells[i].Null {
			return "/tables/" + url.PathEscape(v.ParentTable) + "?" + url.Values{"f": {schema.ColID}, "op": {"="}, "v": {row.Cells[i].Text}}.Encode()
		}
	}
	return ""
}

// LoadURL is the URL of the rows of root table t that load id loaded.
func loadURL(t, id string) string {
	return "/tables/" + url.PathEscape(t) + "?" + url.Values{"f": {schema.ColLoadID}, "op": {"="}, "v": {id}}.Encode()
}
