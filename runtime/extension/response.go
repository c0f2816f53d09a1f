package extension

import (
	"net/http"
	"sync"
)

// Decoder turns a JSON document into Go values: objects as map[string]any,
// arrays as []any, integers that fit as int64, other numbers as float64,
// strings, bools and nil. The engine supplies one (package jsondec).
type Decoder interface {
	Decode(data []byte) (any, error)
}

// Response is a received HTTP response. The body is read whole; it is
// decoded as JSON at most once, on the first call to JSON, and the decoded
// tree is shared by the data selector, the paginator and response actions,
// which must not change it.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// URL is the URL the response came from (after redirects), query included.
	URL string

	decoder Decoder
	once    sync.Once
	data    any
	err     error
}

// NewResponse returns a response whose body dec decodes on demand.
func NewResponse(status int, header http.Header, body []byte, url string, dec Decoder) *Response {
	return &Response{Status: status, Header: header, Body: body, URL: url, decoder: dec}
}

// JSON returns the body decoded as JSON. An empty body decodes to nil.
func (r *Response) JSON() (any, error) {
	r.once.Do(func() {
		if len(r.Body) == 0 {
			return
		}
		r.data, r.err = r.decoder.Decode(r.Body)
	})
	return r.data, r.err
}

// SetJSON replaces the decoded body (used by tests and by hooks that rewrite
// a response).
func (r *Response) SetJSON(v any) {
	r.once.Do(func() {})
	r.data, r.err = v, nil
}
