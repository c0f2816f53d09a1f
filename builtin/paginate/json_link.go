package paginate

import (
	"context"
	"fmt"

	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/jsonpath"
)

// JSONLink follows a next-page URL found in the response body.
type JSONLink struct {
	next *jsonpath.Path
}

// JSONLinkSpec describes json_link.
var JSONLinkSpec = extension.Spec{
	Summary: "Follow the next-page URL found in the JSON body; stop when it is absent, null or empty.",
	Fields: []extension.Field{
		{Name: "next_url_path", Type: extension.TypeJSONPath, Default: "next",
			Doc: "JSONPath of the next page's URL in the body, absolute or relative to the request URL"},
	},
}

// JSONResponseSpec describes json_response, dlt's deprecated name for
// json_link.
var JSONResponseSpec = extension.Spec{
	Summary: "Deprecated alias of json_link (as in dlt).",
	Fields:  JSONLinkSpec.Fields,
}

// ParseJSONLink checks next_url_path and compiles it.
func ParseJSONLink(args *extension.Args) (extension.Builder[extension.PaginatorFactory], error) {
	expr := args.String("next_url_path", "next")
	p, err := jsonpath.Compile(expr)
	if err != nil {
		args.Fail("next_url_path", "%v", err)
	}
	if err := args.Err(); err != nil {
		return nil, err
	}
	return stateless(&JSONLink{next: p}), nil
}

// Init does nothing: the first request is sent as configured.
func (*JSONLink) Init(context.Context, *extension.Request) error { return nil }

// Next takes the first match of next_url_path in the body. Absent or null
// ends the chain. So does an empty string: dlt treats "" as a next URL and
// its next request fails; sluice stops instead. Any other non-string value
// is an error. Otherwise the URL, resolved against the current one,
// becomes the next request's URL and the configured query parameters are
// dropped (see followLink).
func (p *JSONLink) Next(_ context.Context, resp *extension.Response, _ int, req *extension.Request) (bool, error) {
	body, err := resp.JSON()
	if err != nil {
		return false, fmt.Errorf("json_link: %w", err)
	}
	v, ok := p.next.First(body)
	if !ok || v == nil {
		return false, nil
	}
	ref, ok := v.(string)
	if !ok {
		return false, fmt.Errorf("json_link: next_url_path %q matched %T %v, not a URL", p.next, v, v)
	}
	if ref == "" {
		return false, nil
	}
	if err := followLink(req, ref); err != nil {
		return false, fmt.Errorf("json_link: %w", err)
	}
	return true, nil
}

var _ extension.Paginator = (*JSONLink)(nil)
