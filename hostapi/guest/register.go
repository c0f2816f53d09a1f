package guest

// The registered hooks of this module.
var hooks struct {
	name, version string
	mapFn         func(map[string]any) (map[string]any, error)
	filterFn      func(map[string]any) (bool, error)
	mapRecordFn   func(*Record) error
	filterRecFn   func(*Record) (bool, error)
	flatMapFn     func(map[string]any) ([]map[string]any, error)
	pagInit       func(Request) (*Patch, error)
	pagNext       func(Response, Request, int, map[string]any) (*Patch, error)
	authFn        func(Request) (Changes, error)
	responseFn    func(Response) (string, error)
	convertFn     func(any) (any, error)
}

// Describe names the plugin and its version (what sluice_describe
// reports).
func Describe(name, version string) { hooks.name, hooks.version = name, version }

// Map registers a map step: fn gets each record of a page and returns the
// record that replaces it. It may change and return rec.
func Map(fn func(rec map[string]any) (map[string]any, error)) {
	hooks.mapFn, hooks.mapRecordFn = fn, nil
}

// MapRecord registers a map step that works on each record in place: fn
// reads the fields it needs and sets or deletes fields, and only those
// changes travel back to the host. It is the fast way to write a map
// that touches a few fields (hashing, renaming, dropping); it replaces a
// Map registered before.
func MapRecord(fn func(rec *Record) error) { hooks.mapRecordFn, hooks.mapFn = fn, nil }

// FilterRecord registers a filter step that reads only the fields it
// needs of each record; it replaces a Filter registered before.
func FilterRecord(fn func(rec *Record) (bool, error)) { hooks.filterRecFn, hooks.filterFn = fn, nil }

// Filter registers a filter step: fn reports whether to keep a record.
func Filter(fn func(rec map[string]any) (bool, error)) {
	hooks.filterFn, hooks.filterRecFn = fn, nil
}

// FlatMap registers a flat_map step: fn returns the records that replace
// one record (none drops it).
func FlatMap(fn func(rec map[string]any) ([]map[string]any, error)) { hooks.flatMapFn = fn }

// Paginator registers a paginator. init (may be nil) changes the first
// request; next gets each response, the request that fetched it, the
// number of records on the page and the chain's state (kept by the host,
// which the function may change), and returns the changes for the next
// request or nil to stop.
func Paginator(init func(req Request) (*Patch, error), next func(resp Response, req Request, records int, state map[string]any) (*Patch, error)) {
	hooks.pagInit, hooks.pagNext = init, next
}

// Auth registers an auth: fn returns the headers and query parameters to
// set on an outgoing request (a signature, a token).
func Auth(fn func(req Request) (Changes, error)) { hooks.authFn = fn }

// ResponseAction registers a response action: fn returns Continue, Ignore,
// Retry or Fail.
func ResponseAction(fn func(resp Response) (string, error)) { hooks.responseFn = fn }

// Convert registers an incremental.convert: fn turns an incremental value
// into the form the API's requests take.
func Convert(fn func(v any) (any, error)) { hooks.convertFn = fn }

// hookNames lists the registered hooks as sluice_describe names them.
func hookNames() []string {
	var h []string
	if hooks.mapFn != nil || hooks.mapRecordFn != nil {
		h = append(h, "map")
	}
	if hooks.filterFn != nil || hooks.filterRecFn != nil {
		h = append(h, "filter")
	}
	if hooks.flatMapFn != nil {
		h = append(h, "flat_map")
	}
	if hooks.pagNext != nil {
		h = append(h, "paginator")
	}
	if hooks.authFn != nil {
		h = append(h, "auth")
	}
	if hooks.responseFn != nil {
		h = append(h, "response")
	}
	if hooks.convertFn != nil {
		h = append(h, "convert")
	}
	return h
}
