package paginate

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/sluicehq/sluice/runtime/extension"
)

// HeaderLink follows the next-page URL of the Link response header
// (RFC 8288, as GitHub sends it).
type HeaderLink struct {
	key string
}

// HeaderLinkSpec describes header_link.
var HeaderLinkSpec = extension.Spec{
	Summary: "Follow the Link response header's URL with the given rel; stop when there is none.",
	Fields: []extension.Field{
		{Name: "links_next_key", Type: extension.TypeString, Default: "next",
			Doc: "rel of the next page's link, matched case-sensitively"},
	},
}

// ParseHeaderLink checks links_next_key.
func ParseHeaderLink(args *extension.Args) (extension.Builder[extension.PaginatorFactory], error) {
	key := args.String("links_next_key", "next")
	if key == "" {
		args.Fail("links_next_key", "must not be empty")
	}
	if err := args.Err(); err != nil {
		return nil, err
	}
	return stateless(&HeaderLink{key: key}), nil
}

// Init does nothing.
func (*HeaderLink) Init(context.Context, *extension.Request) error { return nil }

// Next looks up links_next_key among the rels of the Link header. No such
// link, or one with an empty URL, ends the chain (dlt would request the
// current URL again). Otherwise the link, resolved against the current
// URL, becomes the next request's URL and the configured query parameters
// are dropped (see followLink).
func (p *HeaderLink) Next(_ context.Context, resp *extension.Response, _ int, req *extension.Request) (bool, error) {
	links := ParseLinkHeader(strings.Join(resp.Header.Values("Link"), ", "))
	ref := links[p.key]
	if ref == "" {
		return false, nil
	}
	if err := followLink(req, ref); err != nil {
		return false, fmt.Errorf("header_link: %w", err)
	}
	return true, nil
}

var linkSplit = regexp.MustCompile(`, *<`)

// ParseLinkHeader parses a Link header value into rel → URL the way
// Python's requests does (and so dlt): spaces and quotes around the value
// are stripped; entries are split at a comma followed by optional spaces
// and "<"; each entry is "url; key=value; …" with the URL stripped of
// "<> '\"" and parameters read until one lacks exactly one "="; a link is
// keyed by its rel, or by its URL when it has no rel, a later duplicate
// winning. rel="next prev" is kept under the literal key "next prev".
// Several Link headers are joined with ", " first.
func ParseLinkHeader(value string) map[string]string {
	const cut = " '\""
	links := map[string]string{}
	value = strings.Trim(value, cut)
	if value == "" {
		return links
	}
	for _, entry := range linkSplit.Split(value, -1) {
		u, params, _ := strings.Cut(entry, ";")
		u = strings.Trim(u, "<> '\"")
		rel := ""
		for _, param := range strings.Split(params, ";") {
			kv := strings.Split(param, "=")
			if len(kv) != 2 {
				break
			}
			if strings.Trim(kv[0], cut) == "rel" {
				rel = strings.Trim(kv[1], cut)
			}
		}
		if rel == "" {
			rel = u
		}
		links[rel] = u
	}
	return links
}

var _ extension.Paginator = (*HeaderLink)(nil)
