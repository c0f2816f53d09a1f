package paginate

import (
	"context"
	"fmt"

	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/jsonpath"
)

// Cursor sends the cursor found in the body with the next request, as a
// query parameter or in the JSON body.
type Cursor struct {
	path           *jsonpath.Path
	param          string
	bodyPath       string
	stopAfterEmpty bool
	hasMore        *jsonpath.Path
}

// CursorSpec describes cursor.
var CursorSpec = extension.Spec{
	Summary: "Send the cursor found in the body with the next request; stop when it is null, empty, 0 or false.",
	Fields: []extension.Field{
		{Name: "cursor_path", Type: extension.TypeJSONPath, Default: "cursors.next", Doc: "JSONPath of the next cursor in the body"},
		{Name: "cursor_param", Type: extension.TypeString, Doc: "query parameter the cursor is sent in (default cursor, unless cursor_body_path is given)"},
		{Name: "cursor_body_path", Type: extension.TypeString, Doc: "dot-separated path of the cursor in the JSON body (POST)"},
		{Name: "stop_after_empty_page", Type: extension.TypeBool, Default: false, Doc: "stop on a page with no records"},
		{Name: "has_more_path", Type: extension.TypeJSONPath, Doc: "JSONPath of a boolean that says whether more pages follow"},
	},
}

// ParseCursor checks cursor's arguments.
func ParseCursor(args *extension.Args) (extension.Builder[extension.PaginatorFactory], error) {
	c := &Cursor{}
	c.path, _ = optPath(args, "cursor_path", "cursors.next")
	if c.path == nil {
		args.Fail("cursor_path", "is required")
	}
	c.bodyPath = args.String("cursor_body_path", "")
	def := "cursor"
	if c.bodyPath != "" {
		def = ""
	}
	c.param = args.String("cursor_param", def)
	if c.param != "" && c.bodyPath != "" {
		args.Fail("cursor_param", "give cursor_param or cursor_body_path, not both")
	}
	c.stopAfterEmpty = args.Bool("stop_after_empty_page", false)
	c.hasMore, _ = optPath(args, "has_more_path", "")
	if err := args.Err(); err != nil {
		return nil, err
	}
	return stateless(c), nil
}

// Init does nothing: the first request carries no cursor.
func (*Cursor) Init(context.Context, *extension.Request) error { return nil }

// Next takes the cursor. A falsy cursor ends the chain, as in dlt; unlike
// dlt, has_more: true with no cursor ends it too (dlt would send the same
// request again without the cursor).
func (c *Cursor) Next(_ context.Context, resp *extension.Response, records int, req *extension.Request) (bool, error) {
	body, err := resp.JSON()
	if err != nil {
		return false, fmt.Errorf("cursor: %w", err)
	}
	v, _ := c.path.First(body)
	if falsy(v) {
		return false, nil
	}
	if c.stopAfterEmpty && records == 0 {
		return false, nil
	}
	if c.hasMore != nil {
		more, err := hasMore(c.hasMore, body)
		if err != nil {
			return false, fmt.Errorf("cursor: %w", err)
		}
		if !more {
			return false, nil
		}
	}
	switch v.(type) {
	case map[string]any, []any:
		return false, fmt.Errorf("cursor: cursor_path %q matched an object or a list, not a cursor", c.path)
	}
	if c.bodyPath != "" {
		if err := setBodyPath(req, c.bodyPath, v); err != nil {
			return false, fmt.Errorf("cursor: %w", err)
		}
		return true, nil
	}
	setQuery(req, c.param, scalarString(v))
	return true, nil
}

// HeaderCursor sends the cursor found in a response header as a query
// parameter of the next request.
type HeaderCursor struct {
	key, param string
}

// HeaderCursorSpec describes header_cursor.
var HeaderCursorSpec = extension.Spec{
	Summary: "Send the cursor found in a response header as a query parameter; stop when the header is absent or empty.",
	Fields: []extension.Field{
		{Name: "cursor_key", Type: extension.TypeString, Default: "next", Doc: "response header holding the next cursor (any case)"},
		{Name: "cursor_param", Type: extension.TypeString, Default: "cursor", Doc: "query parameter the cursor is sent in"},
	},
}

// ParseHeaderCursor checks header_cursor's arguments.
func ParseHeaderCursor(args *extension.Args) (extension.Builder[extension.PaginatorFactory], error) {
	c := &HeaderCursor{key: args.String("cursor_key", "next"), param: args.String("cursor_param", "cursor")}
	if c.key == "" {
		args.Fail("cursor_key", "must not be empty")
	}
	if c.param == "" {
		args.Fail("cursor_param", "must not be empty")
	}
	if err := args.Err(); err != nil {
		return nil, err
	}
	return stateless(c), nil
}

// Init does nothing.
func (*HeaderCursor) Init(context.Context, *extension.Request) error { return nil }

// Next reads the header; an absent or empty one ends the chain (dlt would
// go on with an empty cursor).
func (c *HeaderCursor) Next(_ context.Context, resp *extension.Response, _ int, req *extension.Request) (bool, error) {
	v := resp.Header.Get(c.key)
	if v == "" {
		return false, nil
	}
	setQuery(req, c.param, v)
	return true, nil
}

var (
	_ extension.Paginator = (*Cursor)(nil)
	_ extension.Paginator = (*HeaderCursor)(nil)
)
