package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// pagingAPI serves the same 1,000 records, 50 a page, behind every paging
// style the dlt paginators cover.
func pagingAPI(t *testing.T) *httptest.Server {
	const total, size = 1000, 50
	rows := func(from int) []any {
		var out []any
		for i := from; i < from+size && i < total; i++ {
			out = append(out, map[string]any{"id": i + 1, "name": fmt.Sprintf("row %d", i+1)})
		}
		return out
	}
	write := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		num := func(k string, def int) int {
			if s := q.Get(k); s != "" {
				n, err := strconv.Atoi(s)
				if err != nil {
					http.Error(w, "bad "+k, http.StatusBadRequest)
					return -1
				}
				return n
			}
			return def
		}
		switch r.URL.Path {
		case "/next": // a JSON next link
			page := num("page", 1)
			body := map[string]any{"results": rows((page - 1) * size)}
			if page*size < total {
				body["next"] = fmt.Sprintf("%s/next?page=%d", srv.URL, page+1)
			}
			write(w, 200, body)
		case "/link": // an RFC 8288 Link header, bare arrays
			page := num("page", 1)
			if page*size < total {
				w.Header().Set("Link", fmt.Sprintf(`<%s/link?page=%d>; rel="next"`, srv.URL, page+1))
			}
			write(w, 200, rows((page-1)*size))
		case "/offset": // offset and limit with a total
			off, lim := num("offset", 0), num("limit", size)
			if lim != size {
				http.Error(w, "limit must be 50", 400)
				return
			}
			write(w, 200, map[string]any{"data": rows(off), "total": total})
		case "/pages": // 1-based page numbers with a page count
			page := num("page", 1)
			if page < 1 {
				http.Error(w, "pages start at 1", 400)
				return
			}
			write(w, 200, map[string]any{"data": rows((page - 1) * size), "page": page, "total_pages": total / size})
		case "/cursor": // an opaque cursor in the body
			from := 0
			if c := q.Get("cursor"); c != "" {
				from, _ = strconv.Atoi(strings.TrimPrefix(c, "opaque-"))
			}
			var next any
			if from+size < total {
				next = fmt.Sprintf("opaque-%d", from+size)
			}
			write(w, 200, map[string]any{"items": rows(from), "next_cursor": next})
		case "/all": // a plain array, everything at once
			var all []any
			for i := 0; i < total; i += size {
				all = append(all, rows(i)...)
			}
			write(w, 200, all)
		case "/postgrest": // PostgREST: limit/offset, Content-Range, 206
			off, lim := num("offset", 0), num("limit", 25)
			var page []any
			for i := off; i < off+lim && i < total; i += size {
				page = append(page, rows(i)...)
			}
			if lim < len(page) {
				page = page[:lim]
			}
			w.Header().Set("Content-Range", fmt.Sprintf("%d-%d/%d", off, off+len(page)-1, total))
			status := 200
			if off+len(page) < total {
				status = http.StatusPartialContent
			}
			write(w, status, page)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestPaginatorsLoadEveryRow: each explicit paginator, and detection alone
// where the response says how it pages, loads exactly the 1,000 rows once
// each; a response that shows more pages but names no way to get them
// fails the run instead of loading one page.
func TestPaginatorsLoadEveryRow(t *testing.T) {
	srv := pagingAPI(t)
	tests := []struct {
		name, path, selector, paginator string
		wantErr                         string
	}{
		{name: "json_link", path: "next", paginator: "{type: json_link, next_url_path: next}"},
		{name: "header_link", path: "link", paginator: "header_link"},
		{name: "offset", path: "offset", paginator: "{type: offset, limit: 50, total_path: total}"},
		{name: "page_number", path: "pages", paginator: "{type: page_number, base_page: 1, total_path: total_pages}"},
		{name: "cursor", path: "cursor", paginator: "{type: cursor, cursor_path: next_cursor}"},
		{name: "single_page", path: "all", paginator: "single_page"},
		{name: "postgrest", path: "postgrest", paginator: "{type: offset, limit: 100, total_header: Content-Range}"},
		{name: "detect json next link", path: "next"},
		{name: "detect Link header", path: "link"},
		{name: "detect page count", path: "pages"},
		{name: "detect cursor", path: "cursor"},
		{name: "plain array", path: "all"},
		{name: "offset not detected, not silent", path: "offset", wantErr: "total is 1000 but the page had 50 records"},
		{name: "content-range not silent", path: "postgrest", wantErr: "Content-Range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pag := ""
			if tt.paginator != "" {
				pag = ", paginator: " + tt.paginator
			}
			path := writePipeline(t, fmt.Sprintf(`
pipeline: {name: paging}
source:
  client: {base_url: "%s/"}
  resources:
    - name: rows
      endpoint: {path: %s%s}
`, srv.URL, tt.path, pag))
			code, stdout, stderr, db := runHere(t, path, "--log-level", "info")
			if tt.wantErr != "" {
				if code != 1 || !strings.Contains(stderr, tt.wantErr) || !strings.Contains(stderr, "paginator") {
					t.Fatalf("exit %d, want 1 with %q named:\n%s", code, tt.wantErr, stderr)
				}
				return
			}
			if code != 0 {
				t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
			}
			conn := openDB(t, db)
			if n := count(t, conn, "select count(*) from rows"); n != 1000 {
				t.Fatalf("%d rows, want 1000", n)
			}
			if n := count(t, conn, "select count(distinct id) from rows where id between 1 and 1000"); n != 1000 {
				t.Fatalf("%d distinct ids, want 1000", n)
			}
			if tt.paginator == "" && tt.path != "all" && !strings.Contains(stderr, "detected paginator") {
				t.Fatalf("no info line with the detected paginator:\n%s", stderr)
			}
		})
	}
}
