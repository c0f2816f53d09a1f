package paginate

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/jsonpath"
)

// rangeConfig is what offset and page_number share: a position that grows
// by a step on every page and the rules that end the chain (dlt's
// RangePaginator, §3.5–3.6).
type rangeConfig struct {
	kind           string // "offset" or "page_number", in errors
	start, step    int64
	base           int64 // page_number's base_page: a total of N pages ends at base+N
	param          string
	bodyPath       string
	limit          int64 // offset only: sent with every request
	limitParam     string
	limitBodyPath  string
	total          *jsonpath.Path
	totalExplicit  bool // the user wrote total_path: a missing total is an error
	totalHeader    string
	maximum        int64
	hasMaximum     bool
	stopAfterEmpty bool
	hasMore        *jsonpath.Path
}

// rangePaginator is one chain of a rangeConfig.
type rangePaginator struct {
	c         *rangeConfig
	cur       int64
	lastTotal int64
	seenTotal bool
}

func (c *rangeConfig) NewPaginator(context.Context) (extension.Paginator, error) {
	return &rangePaginator{c: c}, nil
}

// Init writes the first position (and the limit) into the first request.
func (p *rangePaginator) Init(_ context.Context, req *extension.Request) error {
	p.cur = p.c.start
	return p.write(req)
}

func (p *rangePaginator) write(req *extension.Request) error {
	c := p.c
	if c.bodyPath != "" {
		if err := setBodyPath(req, c.bodyPath, p.cur); err != nil {
			return fmt.Errorf("%s: %w", c.kind, err)
		}
	} else {
		setQuery(req, c.param, strconv.FormatInt(p.cur, 10))
	}
	if c.kind == "offset" {
		if c.limitBodyPath != "" {
			if err := setBodyPath(req, c.limitBodyPath, c.limit); err != nil {
				return fmt.Errorf("%s: %w", c.kind, err)
			}
		} else {
			setQuery(req, c.limitParam, strconv.FormatInt(c.limit, 10))
		}
	}
	return nil
}

// Next applies dlt's stop rules, with three of its misses fixed: a total
// sent only on the first page is remembered (dlt #1414); has_more: true
// does not override a reached total or maximum (dlt #4225); and without
// any total an offset chain ends on a short page (fewer records than the
// limit), as PostgREST-style APIs need.
func (p *rangePaginator) Next(_ context.Context, resp *extension.Response, records int, req *extension.Request) (bool, error) {
	c := p.c
	if c.stopAfterEmpty && records == 0 {
		return false, nil
	}
	p.cur += c.step
	total, known, err := p.totalOf(resp)
	if err != nil {
		return false, err
	}
	if known {
		end := total
		if c.kind == "page_number" {
			end = total + c.base
		}
		if p.cur >= end {
			return false, nil
		}
	}
	if c.hasMaximum && p.cur >= c.maximum {
		return false, nil
	}
	if c.hasMore != nil {
		body, err := resp.JSON()
		if err != nil {
			return false, fmt.Errorf("%s: %w", c.kind, err)
		}
		more, err := hasMore(c.hasMore, body)
		if err != nil {
			return false, fmt.Errorf("%s: %w", c.kind, err)
		}
		if !more {
			return false, nil
		}
	} else if !known && c.kind == "offset" && int64(records) < c.limit {
		return false, nil
	}
	if err := p.write(req); err != nil {
		return false, err
	}
	return true, nil
}

// totalOf finds the total in the response: a header (total_header, e.g.
// PostgREST's Content-Range: 0-24/3573458) or total_path in the body.
func (p *rangePaginator) totalOf(resp *extension.Response) (int64, bool, error) {
	c := p.c
	switch {
	case c.totalHeader != "":
		v := resp.Header.Get(c.totalHeader)
		if v != "" {
			if t, ok := headerTotal(v); ok {
				p.lastTotal, p.seenTotal = t, true
			}
		}
	case c.total != nil:
		body, err := resp.JSON()
		if err != nil {
			return 0, false, fmt.Errorf("%s: %w", c.kind, err)
		}
		v, ok := c.total.First(body)
		switch {
		case ok && v != nil:
			t, err := toInt(v)
			if err != nil {
				return 0, false, fmt.Errorf("%s: total_path %q is %v, not an integer", c.kind, c.total, v)
			}
			p.lastTotal, p.seenTotal = t, true
		case !p.seenTotal && c.totalExplicit:
			return 0, false, fmt.Errorf("%s: total_path %q not found in the response; set total_path: null if the API sends no total", c.kind, c.total)
		}
	}
	return p.lastTotal, p.seenTotal, nil
}

// headerTotal reads a total from a header: a plain integer, or the part
// after "/" of a Content-Range ("0-24/3573458", "*/100"); "*" means
// unknown.
func headerTotal(v string) (int64, bool) {
	if i := strings.LastIndexByte(v, '/'); i >= 0 {
		v = v[i+1:]
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	return n, err == nil && n >= 0
}

// OffsetSpec describes offset.
var OffsetSpec = extension.Spec{
	Summary: "Page by offset and limit, stopping at the total, at maximum_offset, on has_more false, on an empty page or (without a total) on a short page.",
	Fields: []extension.Field{
		{Name: "limit", Type: extension.TypeInt, Required: true, Doc: "records per page, sent with every request"},
		{Name: "offset", Type: extension.TypeInt, Default: int64(0), Doc: "offset of the first page"},
		{Name: "offset_param", Type: extension.TypeString, Default: "offset", Doc: "query parameter of the offset"},
		{Name: "limit_param", Type: extension.TypeString, Default: "limit", Doc: "query parameter of the limit"},
		{Name: "offset_body_path", Type: extension.TypeString, Doc: "dot-separated path of the offset in the JSON body (POST), instead of offset_param"},
		{Name: "limit_body_path", Type: extension.TypeString, Doc: "dot-separated path of the limit in the JSON body (POST), instead of limit_param"},
		{Name: "total_path", Type: extension.TypeJSONPath, Default: "total", Doc: "JSONPath of the total record count; null: none"},
		{Name: "total_header", Type: extension.TypeString, Doc: "response header with the total instead of total_path, e.g. Content-Range (PostgREST: 0-24/3573458; */N; * = unknown) — beyond dlt"},
		{Name: "maximum_offset", Type: extension.TypeInt, Doc: "stop before this offset (exclusive)"},
		{Name: "stop_after_empty_page", Type: extension.TypeBool, Default: true, Doc: "stop on a page with no records"},
		{Name: "has_more_path", Type: extension.TypeJSONPath, Doc: "JSONPath of a boolean that says whether more pages follow"},
	},
}

// ParseOffset checks offset's arguments.
func ParseOffset(args *extension.Args) (extension.Builder[extension.PaginatorFactory], error) {
	c := &rangeConfig{kind: "offset", step: 0}
	limit, ok := args.OptInt("limit")
	switch {
	case !ok:
		if v, given := args.Raw("limit"); !given || v == nil {
			args.Fail("limit", "is required (the number of records per page)")
		}
	case limit <= 0:
		args.Fail("limit", "must be at least 1")
	}
	c.limit, c.step = limit, limit
	c.start = args.Int("offset", 0)
	if c.start < 0 {
		args.Fail("offset", "must not be negative")
	}
	c.param = args.String("offset_param", "offset")
	c.limitParam = args.String("limit_param", "limit")
	c.bodyPath = args.String("offset_body_path", "")
	c.limitBodyPath = args.String("limit_body_path", "")
	c.maximum, c.hasMaximum = args.OptInt("maximum_offset")
	parseRangeEnd(args, c)
	if err := args.Err(); err != nil {
		return nil, err
	}
	return extension.Ready[extension.PaginatorFactory](c), nil
}

// parseRangeEnd reads the fields that end a range chain, shared by offset
// and page_number, and checks that at least one can.
func parseRangeEnd(args *extension.Args, c *rangeConfig) {
	c.totalHeader = args.String("total_header", "")
	def := "total"
	if c.totalHeader != "" {
		def = ""
	}
	c.total, c.totalExplicit = optPath(args, "total_path", def)
	if c.totalHeader != "" && c.total != nil && c.totalExplicit {
		args.Fail("total_header", "give total_path or total_header, not both")
	}
	c.stopAfterEmpty = args.Bool("stop_after_empty_page", true)
	c.hasMore, _ = optPath(args, "has_more_path", "")
	if c.total == nil && c.totalHeader == "" && !c.hasMaximum && c.hasMore == nil && !c.stopAfterEmpty && c.kind == "page_number" {
		args.Fail("total_path", "nothing would end the chain: give total_path, maximum_page, has_more_path or stop_after_empty_page: true")
	}
}

var _ extension.Paginator = (*rangePaginator)(nil)

// Totals implements extension.Totaler: offset's total counts records,
// page_number's counts pages.
func (p *rangePaginator) Totals() (records, pages int64) {
	if !p.seenTotal {
		return 0, 0
	}
	if p.c.kind == "page_number" {
		return 0, p.lastTotal
	}
	return p.lastTotal, 0
}
