package paginate

import (
	"context"
	"testing"

	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/extension/paginatortest"
)

// newPaginator parses and builds typ from args through a registry, as the
// engine does, and returns its factory.
func newPaginator(t testing.TB, typ string, args map[string]any) extension.PaginatorFactory {
	t.Helper()
	reg := extension.NewRegistry[extension.PaginatorFactory]("paginator")
	Register(reg)
	f, err := reg.New(context.Background(), typ, args, nil)
	if err != nil {
		t.Fatalf("%s %v: %v", typ, args, err)
	}
	return f
}

// chain returns a fresh paginator of f, for tests that drive Next by hand.
func chain(t testing.TB, f extension.PaginatorFactory) extension.Paginator {
	t.Helper()
	p, err := f.NewPaginator(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestConformance runs the suite every paginator passes, built-in,
// JavaScript or WASM, on each built-in configured for the scenarios of its
// kind.
func TestConformance(t *testing.T) {
	for _, tt := range []struct {
		typ  string
		args map[string]any
		sc   paginatortest.Scenario
	}{
		{"json_link", nil, paginatortest.JSONNextLink},
		{"json_link", map[string]any{"next_url_path": "$.next"}, paginatortest.JSONRelativeLink},
		{"json_response", nil, paginatortest.JSONNextLink},
		{"header_link", nil, paginatortest.HeaderNextLink},
		{"single_page", nil, paginatortest.OnePage},
		{"offset", map[string]any{"limit": 2}, paginatortest.OffsetTotal},
		{"page_number", map[string]any{"base_page": 1, "total_path": "total_pages"}, paginatortest.PageNumberOneBased},
		{"cursor", map[string]any{"cursor_path": "next_cursor"}, paginatortest.BodyCursor},
		{"header_cursor", map[string]any{"cursor_key": "x-next-cursor"}, paginatortest.HeaderCursor},
		{"offset", map[string]any{"limit": 2, "offset_body_path": "page.offset", "limit_body_path": "page.limit", "total_header": "Content-Range"}, paginatortest.PostBodyOffset},
	} {
		t.Run(tt.typ+"/"+tt.sc.Name, func(t *testing.T) {
			paginatortest.Check(t, tt.sc, newPaginator(t, tt.typ, tt.args))
		})
	}
}

// TestSpecsMatchParse checks every built-in's declared fields against what
// its parse step reads.
func TestSpecsMatchParse(t *testing.T) {
	reg := extension.NewRegistry[extension.PaginatorFactory]("paginator")
	Register(reg)
	if err := reg.CheckSpecs(); err != nil {
		t.Error(err)
	}
}
