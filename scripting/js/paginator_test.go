package js

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/extension/paginatortest"
)

func newPaginator(t testing.TB, script string, config map[string]any) extension.PaginatorFactory {
	t.Helper()
	args := map[string]any{"script": script}
	if config != nil {
		args["config"] = config
	}
	f, err := registries().Paginators.New(context.Background(), Type, args, nil)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return f
}

// nextPageHeader is an API no built-in paginator handles: the number of
// the next page in an X-Next-Page header, absent on the last of four.
var nextPageHeader = paginatortest.Scenario{
	Name: "next page number in a header",
	Serve: func(w http.ResponseWriter, _ *http.Request, _ string, n int) {
		if n < 4 {
			w.Header().Set("X-Next-Page", strconv.Itoa(n+1))
		}
		paginatortest.Records(w, n, nil)
	},
	Path: "/things?per_page=2",
	Want: []string{"/things?per_page=2", "/things?per_page=2&page=2", "/things?per_page=2&page=3", "/things?per_page=2&page=4"},
}

// TestConformance runs the paginator conformance suite on a JS script
// written for each scenario, as a user would write it.
func TestConformance(t *testing.T) {
	for _, tt := range []struct {
		script string
		sc     paginatortest.Scenario
	}{
		{`function next(response) { return response.body.next ? {url: response.body.next} : null }`, paginatortest.JSONNextLink},
		{`function next(response) { return response.body.next ? {url: response.body.next} : null }`, paginatortest.JSONRelativeLink},
		{`const next = (response) => {
			const m = /<([^>]+)>;\s*rel="next"/.exec(response.headers.link || "");
			return m ? {url: m[1]} : null;
		}`, paginatortest.HeaderNextLink},
		{`function next() { return null }`, paginatortest.OnePage},
		{`let offset = 0;
		const limit = 2;
		function init(request) { return {params: {offset, limit}} }
		function next(response) {
			offset += limit;
			return offset < response.body.total ? {params: {offset, limit}} : null;
		}`, paginatortest.OffsetTotal},
		{`let page = 1;
		function init() { return {params: {page}} }
		function next(response, request, records) {
			page++;
			return records > 0 && page <= response.body.total_pages ? {params: {page}} : null;
		}`, paginatortest.PageNumberOneBased},
		{`function next(response) { return response.body.next_cursor ? {params: {cursor: response.body.next_cursor}} : null }`, paginatortest.BodyCursor},
		{`function next(response) {
			const c = response.headers["x-next-cursor"];
			return c ? {params: {cursor: c}} : null;
		}`, paginatortest.HeaderCursor},
		{`let offset = 0;
		function init(request) { return {json: {...request.body, page: {offset, limit: 2}}} }
		function next(response, request) {
			const total = Number(response.headers["content-range"].split("/")[1]);
			offset += 2;
			return offset < total ? {json: {...request.body, page: {offset, limit: 2}}} : null;
		}`, paginatortest.PostBodyOffset},
		{`function next(response) {
			const n = response.headers["x-next-page"];
			return n ? {params: {page: n}} : null;
		}`, nextPageHeader},
	} {
		t.Run(tt.sc.Name, func(t *testing.T) {
			paginatortest.Check(t, tt.sc, newPaginator(t, tt.script, nil))
		})
	}
}

// TestPaginatorEveryRecordOnce: the header-page paginator loads each
// record exactly once.
func TestPaginatorEveryRecordOnce(t *testing.T) {
	f := newPaginator(t, `function next(response) {
		const n = response.headers["x-next-page"];
		return n ? {params: {page: n}} : null;
	}`, nil)
	srv := nextPageHeader.Server(t)
	seen := map[string]int{}
	urls := paginatortest.RunChain(t, f, nextPageHeader.Start(srv))
	for _, u := range urls {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Data []struct{ ID int } }
		_ = jsonDecode(resp, &body)
		for _, r := range body.Data {
			seen[strconv.Itoa(r.ID)]++
		}
	}
	if len(seen) != 8 {
		t.Errorf("saw %d records, want 8: %v", len(seen), seen)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("record %s seen %d times", id, n)
		}
	}
}

// TestPaginatorErrors: a bad result says what next must return.
func TestPaginatorErrors(t *testing.T) {
	tests := []struct{ script, want string }{
		{`function next() { return {} }`, "returned no changes"},
		{`function next() { return "page 2" }`, "returned a string: return the changes"},
		{`function next() { return {page: 2} }`, `returned a field "page"`},
		{`function next() { return {url: 5} }`, "returned url 5: it must be a non-empty string"},
		{`function next(r) { return r.body.missing.field }`, "js paginator next: threw TypeError"},
		{`function next() { while (true) {} }`, "time limit"},
	}
	sc := paginatortest.JSONNextLink
	srv := sc.Server(t)
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			f, err := registries().Paginators.New(context.Background(), Type, map[string]any{"script": tt.script},
				&extension.Env{Limits: extension.Limits{Timeout: 200_000_000}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = paginatortest.NewWalker(f, sc.Start(srv)).Walk()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
}

// TestPaginatorConfig: the script reads host.config.
func TestPaginatorConfig(t *testing.T) {
	f := newPaginator(t, `let page = 1;
		function next() { return ++page <= host.config.pages ? {params: {page}} : null }`, map[string]any{"pages": 3})
	srv := paginatortest.PageNumberOneBased.Server(t)
	urls := paginatortest.RunChain(t, f, paginatortest.PageNumberOneBased.Start(srv))
	if got := fmt.Sprint(len(urls)); got != "3" {
		t.Errorf("%d pages: %v", len(urls), urls)
	}
}
