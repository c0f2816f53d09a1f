package extension

import "context"

// PaginatorFactory is what a paginator type builds once per resource and
// run: it hands out a fresh Paginator for every request chain (one per
// top-level resource run, one per parent record for dependent resources),
// which may run concurrently. A factory that holds resources (a compiled
// module, a pool of instances) implements io.Closer; the engine closes it
// after the run.
type PaginatorFactory interface {
	NewPaginator(ctx context.Context) (Paginator, error)
}

// Paginator walks the pages of one request chain, the way dlt's
// BasePaginator does.
//
// The engine calls Init once with the first request before it is sent, then,
// after each response, Next with the response, the number of records the
// data selector found on that page (before any processing step), and the
// request that fetched the page. Next changes req in place into the request
// for the following page and reports whether there is one. Returning false
// ends the chain; the page just received is still loaded.
//
// Every call gets the run's context: a hook with a deadline (a JavaScript
// interrupt, a WASM call) must honour it. A Paginator is used by one
// goroutine at a time and is never reused across chains. It must not keep
// the response or its decoded body after Next returns.
type Paginator interface {
	Init(ctx context.Context, req *Request) error
	Next(ctx context.Context, resp *Response, records int, req *Request) (more bool, err error)
}

// PaginatorFunc adapts a function to a Paginator that needs no Init.
type PaginatorFunc func(ctx context.Context, resp *Response, records int, req *Request) (bool, error)

// Init does nothing.
func (PaginatorFunc) Init(context.Context, *Request) error { return nil }

// Next calls f.
func (f PaginatorFunc) Next(ctx context.Context, resp *Response, records int, req *Request) (bool, error) {
	return f(ctx, resp, records, req)
}

// NewPaginatorFunc adapts a function to a PaginatorFactory: each chain gets
// what f returns.
type NewPaginatorFunc func() Paginator

// NewPaginator calls f.
func (f NewPaginatorFunc) NewPaginator(context.Context) (Paginator, error) { return f(), nil }

var (
	_ Paginator        = PaginatorFunc(nil)
	_ PaginatorFactory = NewPaginatorFunc(nil)
)

// Detection is what a paginator detector concluded from a resource's first
// response: the type and arguments of the paginator to use (Type empty
// when it found none) and, when it found none, Signs: what in the response
// shows more pages, which the engine must not ignore.
type Detection struct {
	Type  string
	Args  map[string]any
	Signs string
}

// DetectPaginator picks a paginator from a resource's first response and
// the number of records on it. The engine calls it for resources that name
// no paginator; it is filled from main like the registries, so the engine
// never names an implementation.
type DetectPaginator func(resp *Response, records int) Detection

// Totaler is an optional interface of a Paginator: what the API said the
// chain holds, as read from the responses so far (offset's total_path or
// total_header; page_number's total pages). The engine uses it for
// progress displays only. Zero means the API did not say.
type Totaler interface {
	Totals() (records, pages int64)
}
