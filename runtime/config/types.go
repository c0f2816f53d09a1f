package config

// File is a parsed, resolved and validated pipeline file.
type File struct {
	// Path is the file the configuration was read from.
	Path     string
	Pipeline Pipeline
	Source   Source
	// Secrets are the resolved values that must never be printed: every
	// value read from secrets.toml, every ${VAR} whose name looks secret
	// (token, key, secret, password, …) and every string under an `auth`
	// object. The caller hands them to the redactor.
	Secrets []string
}

// Pos is a place in the YAML file, 1-based; zero when unknown.
type Pos struct {
	Line   int
	Column int
}

// Pipeline is the `pipeline:` section.
type Pipeline struct {
	Name string
	// Destination is "sqlite" (default) or "duckdb".
	Destination string
	// DestinationPath is the database file; empty means the default
	// (<name>.db or <name>.duckdb in the current directory).
	DestinationPath string
	// Dataset defaults to <name>_dataset.
	Dataset string
	// PipelinesDir is where state lives; empty means the default.
	PipelinesDir string
}

// Source is the `source:` section (dlt's RESTAPIConfig).
type Source struct {
	Client Client
	// Resources are in file order, each already merged with
	// resource_defaults.
	Resources []*Resource
}

// Plugin is a `type:`-selected extension (a paginator or an auth) with its
// arguments. The string shorthand `json_link` is Plugin{Type: "json_link"}.
type Plugin struct {
	Type string
	// Args are the object's other fields, as decoded from YAML (strings,
	// bools, int, float64, nil, []any, map[string]any), ${VAR} resolved.
	Args map[string]any
	// Path and Pos locate the object in the file, for error messages.
	Path string
	Pos  Pos
}

// Client is `source.client`.
type Client struct {
	BaseURL   string
	Headers   map[string]string
	Auth      *Plugin
	Paginator *Plugin
	// RateLimit is nil when not set.
	RateLimit *RateLimit
	// Concurrency is 0 when not set (the engine picks).
	Concurrency int
	Retry       Retry
}

// RateLimit is `client.rate_limit` (a sluice extension).
type RateLimit struct {
	RequestsPerSecond float64
	Burst             int
}

// Retry is `client.retry` (a sluice extension; dlt's RUNTIME__REQUEST_*
// settings). Load fills the fields the file leaves out with the defaults
// (5 attempts, backoff factor 1, max delay 300 s, timeout 60 s), so a zero
// BackoffFactor or MaxDelay in a loaded File is an explicit zero. A Retry
// built by hand with zero MaxAttempts or Timeout means the default.
type Retry struct {
	MaxAttempts   int
	BackoffFactor float64
	MaxDelay      float64 // seconds
	Timeout       float64 // seconds
}

// Resource is one entry of `source.resources`, merged with
// resource_defaults.
type Resource struct {
	Name     string
	Endpoint Endpoint
	// TableName defaults to Name.
	TableName        string
	WriteDisposition string // append (default) | replace | merge | skip
	MergeStrategy    string // for merge: delete-insert (default) | upsert | insert-only | scd2
	// ReplaceStrategy is the strategy of {disposition: replace, strategy:
	// …}: truncate-and-insert | insert-from-staging | staging-optimized;
	// empty when not given.
	ReplaceStrategy string
	// WriteDispositionOptions are the other fields of an object-form
	// write_disposition (scd2's validity_column_names,
	// active_record_timestamp, boundary_timestamp, row_version_column_name,
	// retire_absent_rows, natural_key; delete-insert's deduplicated), as
	// given; nil when none.
	WriteDispositionOptions map[string]any
	PrimaryKey              []string
	MergeKey                []string
	IncludeFromParent       []string
	// ProcessingSteps are kept as given; the scripting issue gives them
	// types.
	ProcessingSteps []map[string]any
	Selected        bool
	Parallelized    bool
	// MaxTableNesting is nil when not set (dlt's default 1000 applies).
	MaxTableNesting *int
	// Columns are column hints by name, as given (a list of column objects
	// is turned into this map; the `name` hint is dropped), after merging
	// with resource_defaults per column and per hint. Nil when not set.
	Columns map[string]map[string]any
	// ColumnOrder lists the names of Columns in order: the columns of
	// resource_defaults first, then those only the resource has.
	ColumnOrder []string
	Limits      Limits
	// NestedHints are the hints of nested tables (dlt's nested_hints), by
	// the table's path below the resource's table as written (`orders`,
	// `orders__items`). Nil when not set.
	NestedHints map[string]*NestedHint
	// Extra holds the dlt table hints sluice passes through as given:
	// schema_contract, table_format, file_format, references,
	// parent_table_name. Nil when none is set.
	Extra map[string]any
	// Parent is the resource this one depends on (named by a
	// {resources.<parent>.<field>} placeholder or a `type: resolve` param);
	// empty for a top-level resource.
	Parent string

	Path string // YAML path, e.g. "source.resources[0]"
	Pos  Pos
}

// NestedHint is the entry of one nested table in a resource's
// nested_hints. Only max_table_nesting and columns are applied; the other
// hints dlt has there are refused by the parser.
type NestedHint struct {
	// MaxTableNesting is nil when not set. 0 keeps the list as a json
	// column of its parent row.
	MaxTableNesting *int
	// Columns and ColumnOrder are as Resource.Columns and ColumnOrder.
	Columns     map[string]map[string]any
	ColumnOrder []string

	Path string // YAML path, e.g. "source.resources[0].nested_hints.orders"
	Pos  Pos
}

// Limits bounds the hooks of a resource (a sluice extension).
type Limits struct {
	TimeoutMS int
	MemoryMB  int
}

// Endpoint is a resource's `endpoint`.
type Endpoint struct {
	// Path defaults to the resource name.
	Path   string
	Method string // GET (default) | POST
	// Params keep the YAML order of their keys in ParamOrder.
	Params     map[string]any
	ParamOrder []string
	// JSON is the JSON body; nil when absent.
	JSON any
	// Data is the form or raw body; nil when absent.
	Data    any
	Headers map[string]string
	// Paginator is nil when absent, null or `auto` (detect, or the
	// client's).
	Paginator *Plugin
	// DataSelector is a JSONPath; empty means detect.
	DataSelector string
	// ResponseActions are kept as given; a later issue gives them types.
	ResponseActions []map[string]any
	// Incremental is kept as given; a later issue gives it types.
	Incremental map[string]any
	// Auth replaces the client's auth; NoAuth is set by an explicit
	// `auth: null`.
	Auth   *Plugin
	NoAuth bool
}
