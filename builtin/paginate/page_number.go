package paginate

import "github.com/sluicehq/sluice/runtime/extension"

// PageNumberSpec describes page_number.
var PageNumberSpec = extension.Spec{
	Summary: "Page by page number, stopping at the page count, at maximum_page, on has_more false or on an empty page.",
	Fields: []extension.Field{
		{Name: "base_page", Type: extension.TypeInt, Default: int64(0), Doc: "number of the first page of the API (0 or 1); a total of N pages ends at base_page+N"},
		{Name: "page", Type: extension.TypeInt, Doc: "page to start from (default: base_page)"},
		{Name: "page_param", Type: extension.TypeString, Default: "page", Doc: "query parameter of the page number"},
		{Name: "page_body_path", Type: extension.TypeString, Doc: "dot-separated path of the page number in the JSON body (POST), instead of page_param"},
		{Name: "total_path", Type: extension.TypeJSONPath, Default: "total", Doc: "JSONPath of the number of pages; null: none"},
		{Name: "total_header", Type: extension.TypeString, Doc: "response header with the number of pages instead of total_path — beyond dlt"},
		{Name: "maximum_page", Type: extension.TypeInt, Doc: "stop before this page (exclusive)"},
		{Name: "stop_after_empty_page", Type: extension.TypeBool, Default: true, Doc: "stop on a page with no records"},
		{Name: "has_more_path", Type: extension.TypeJSONPath, Doc: "JSONPath of a boolean that says whether more pages follow"},
	},
}

// ParsePageNumber checks page_number's arguments.
func ParsePageNumber(args *extension.Args) (extension.Builder[extension.PaginatorFactory], error) {
	c := &rangeConfig{kind: "page_number", step: 1}
	c.base = args.Int("base_page", 0)
	c.start = args.Int("page", c.base)
	if c.start < c.base {
		args.Fail("page", "must not be below base_page (%d)", c.base)
	}
	c.param = args.String("page_param", "page")
	c.bodyPath = args.String("page_body_path", "")
	c.maximum, c.hasMaximum = args.OptInt("maximum_page")
	parseRangeEnd(args, c)
	if err := args.Err(); err != nil {
		return nil, err
	}
	return extension.Ready[extension.PaginatorFactory](c), nil
}
