// Package paginate holds the built-in paginators, one file each. A file
// holds the type, its parse step (which reads its arguments through
// *extension.Args, so unknown fields are errors, and has no side effects),
// its extension.Spec with every field typed and documented, and an
// interface guard.
//
// Adding a paginator: write its file and add one line to the table in
// Register. TestEveryPaginatorIsRegistered fails when the line is missing.
package paginate

import (
	"fmt"
	"net/url"

	"github.com/sluicehq/sluice/runtime/extension"
)

// Register adds the built-in paginators to reg.
func Register(reg *extension.Registry[extension.PaginatorFactory]) {
	for _, d := range []struct {
		typ   string
		spec  extension.Spec
		parse extension.ParseFunc[extension.PaginatorFactory]
	}{
		{"single_page", SinglePageSpec, ParseSinglePage},
		{"json_link", JSONLinkSpec, ParseJSONLink},
		{"json_response", JSONResponseSpec, ParseJSONLink}, // deprecated alias, as in dlt
		{"header_link", HeaderLinkSpec, ParseHeaderLink},
		{"header_cursor", HeaderCursorSpec, ParseHeaderCursor},
		{"cursor", CursorSpec, ParseCursor},
		{"offset", OffsetSpec, ParseOffset},
		{"page_number", PageNumberSpec, ParsePageNumber},
	} {
		reg.Register(d.typ, d.spec, d.parse)
	}
}

// stateless is the factory of a paginator that keeps no state between
// pages: every chain may share p, and building it needs nothing from the
// environment.
func stateless(p extension.Paginator) extension.Builder[extension.PaginatorFactory] {
	return extension.Ready[extension.PaginatorFactory](extension.NewPaginatorFunc(func() extension.Paginator { return p }))
}

// followLink points req at the next page's URL, ref, resolved against the
// current request URL without its query (RFC 3986, as dlt's urljoin): an
// absolute ref is used as is, "/p?page=2", "?page=2" and "page2" are
// relative to the current URL. The query parameters of the first request
// are not sent again (req.Query = nil): the link must carry what the next
// page needs, as in dlt. Method, headers and body are kept.
func followLink(req *extension.Request, ref string) error {
	r, err := url.Parse(ref)
	if err != nil {
		return fmt.Errorf("next page URL %q: %w", ref, err)
	}
	next := ref
	if !r.IsAbs() {
		base, err := url.Parse(req.URL)
		if err != nil {
			return fmt.Errorf("current URL %q: %w", req.URL, err)
		}
		base.RawQuery, base.ForceQuery, base.Fragment, base.RawFragment = "", false, "", ""
		next = base.ResolveReference(r).String()
	}
	req.URL = next
	req.Query = nil
	return nil
}
