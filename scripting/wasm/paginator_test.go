package wasm

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/extension/paginatortest"
)

func newPaginator(t testing.TB, config map[string]any) extension.PaginatorFactory {
	t.Helper()
	f, err := registries().Paginators.New(context.Background(), Type,
		map[string]any{extension.HookModule: guest(t, "all"), extension.HookConfig: config}, nil)
	if err != nil {
		t.Fatal(err)
	}
	closeAfter(t, f)
	return f
}

// nextPageHeader is the next-page-header sample's API: the number of the
// next page in an X-Next-Page header, absent on the last of four.
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

// TestConformance runs the paginator conformance suite on the test
// guest's paginator, configured for each scenario. Every scenario is
// one a generic guest can page: the guest keeps its state (offset, page)
// in the host-kept state, so chains never share it.
func TestConformance(t *testing.T) {
	for _, tt := range []struct {
		config map[string]any
		sc     paginatortest.Scenario
	}{
		{map[string]any{"mode": "next"}, paginatortest.JSONNextLink},
		{map[string]any{"mode": "next"}, paginatortest.JSONRelativeLink},
		{map[string]any{"mode": "link"}, paginatortest.HeaderNextLink},
		{map[string]any{"mode": "none"}, paginatortest.OnePage},
		{map[string]any{"mode": "offset"}, paginatortest.OffsetTotal},
		{map[string]any{"mode": "page"}, paginatortest.PageNumberOneBased},
		{map[string]any{"mode": "cursor"}, paginatortest.BodyCursor},
		{map[string]any{"mode": "header", "header": "X-Next-Cursor", "param": "cursor"}, paginatortest.HeaderCursor},
		{map[string]any{"mode": "post"}, paginatortest.PostBodyOffset},
		{map[string]any{"mode": "header", "header": "X-Next-Page", "param": "page"}, nextPageHeader},
	} {
		paginatortest.Check(t, tt.sc, newPaginator(t, tt.config))
	}
}
