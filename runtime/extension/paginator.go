package extension

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
// A Paginator is used by one goroutine at a time and is never reused across
// chains. It must not keep the response or its decoded body after Next
// returns.
type Paginator interface {
	Init(req *Request) error
	Next(resp *Response, records int, req *Request) (more bool, err error)
}

// PaginatorFunc adapts a function to a Paginator that needs no Init.
type PaginatorFunc func(resp *Response, records int, req *Request) (bool, error)

// Init does nothing.
func (PaginatorFunc) Init(*Request) error { return nil }

// Next calls f.
func (f PaginatorFunc) Next(resp *Response, records int, req *Request) (bool, error) {
	return f(resp, records, req)
}

var _ Paginator = PaginatorFunc(nil)
