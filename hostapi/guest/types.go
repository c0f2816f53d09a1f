package guest

// Request is the outgoing request a paginator or an auth sees.
type Request struct {
	Method string
	// URL is absolute and carries the request's query.
	URL string
	// Path is the URL's path.
	Path string
	// Query is the query, decoded.
	Query map[string][]string
	// Headers are the request's headers (one value each).
	Headers map[string]string
	// Body is the raw body text ("" when none).
	Body string
}

// Response is a received response as a paginator or a response action
// sees it.
type Response struct {
	Status int
	// Headers have lowercase names.
	Headers map[string]string
	// Body is the decoded JSON body, the text when it is not JSON, or nil.
	Body any
}

// Patch is what a paginator changes in the request for the next page.
// Empty fields change nothing; a new URL drops the request's query
// parameters.
type Patch struct {
	URL     string
	Params  map[string]string
	Headers map[string]string
	// JSON replaces the JSON body when not nil.
	JSON any
}

// Changes is what an auth sets on an outgoing request.
type Changes struct {
	SetHeaders map[string]string
	SetQuery   map[string]string
}

// Actions a response action returns.
const (
	Continue = "continue"
	Ignore   = "ignore"
	Retry    = "retry"
	Fail     = "fail"
)

// Log levels for Log.
const (
	LevelDebug = 0
	LevelInfo  = 1
	LevelWarn  = 2
	LevelError = 3
)
