package config

import (
	"fmt"
	"github.com/sluicehq/sluice/runtime/extension"
	"strings"
)

// File is a parsed, resolved and validated pipeline file.
type File struct {
	// Path is the file the configuration was read from.
	Path     string
	Pipeline Pipeline
	Source   Source
	// Secrets are the resolved values that must never be printed: every
	// value a ${VAR} took from the environment or secrets.toml, whatever
	// its name (not a ${VAR:-fallback} fallback, which is in the file), and
	// the value of every field an extension's Spec marks Secret, however it
	// was written. The caller hands them to the redactor.
	Secrets []string

	// destinations are the destination types of the build
	// (Options.Destinations), for Unsupported
	destinations []string
}

// Pos is a place in the YAML file, 1-based; zero when unknown.
type Pos struct {
	Line   int
	Column int
}

// Pipeline is the `pipeline:` section.
type Pipeline struct {
	Name string
	// Destination is one of DestinationTypes: "sqlite" (default),
	// "duckdb", "postgres" or "filesystem".
	Destination string
	// DestinationPath is the database file (sqlite, duckdb:
	// `destination.path`), the server's DSN (postgres:
	// `destination.credentials`, a secret) or the bucket URL (filesystem:
	// `destination.bucket_url`); empty means the type's default
	// (<name>.db or <name>.duckdb in the current directory; postgres and
	// filesystem have none).
	DestinationPath string
	// DestinationFormat is the file format of a filesystem destination
	// (`destination.format`): "parquet", the default.
	DestinationFormat string
	// Dataset defaults to <name>_dataset.
	Dataset string
	// PipelinesDir is where state lives; empty means the default.
	PipelinesDir string

	destAt loc // where destination is written
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
	// AuthOrigins are the origins (scheme://host[:port]) besides the
	// base_url's that may receive credentials (`client.auth_origins`, a
	// sluice extension); as written in the file.
	AuthOrigins []string
}

// RateLimit is `client.rate_limit` (a sluice extension).
type RateLimit struct {
	RequestsPerSecond float64
	Burst             int
}

// Retry is `client.retry` (a sluice extension; dlt's RUNTIME__REQUEST_*
// settings). Load fills the fields the file leaves out with the defaults
// (5 attempts, backoff factor 1, max delay 300 s, timeout 60 s), so a zero
// BackoffFactor or MaxDelay in a loaded File is an explicit zero: no wait.
// The engine uses the values as they are (a Retry built by hand with zero
// MaxAttempts makes one attempt, with zero Timeout no per-attempt limit).
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
	// ProcessingSteps are in the order they run: the list's order, and
	// inside one list entry dlt's fixed order filter, map, flat_map,
	// yield_map.
	ProcessingSteps []ProcessingStep
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
	// Extra holds the dlt table hints kept as given: schema_contract,
	// table_format, file_format, references, parent_table_name. Nil when
	// none is set. None is acted on yet, and File.Unsupported names them.
	Extra map[string]any
	// Data are the rows of a resource written in the file itself (dlt's
	// "resource which is not a REST endpoint"): `data: [{…}, …]` instead
	// of an endpoint. HasData tells `data: []` from absent.
	Data    []any
	HasData bool
	// Parent is the resource this one depends on (named by a
	// {resources.<parent>.<field>} placeholder or a `type: resolve` param);
	// empty for a top-level resource.
	Parent string

	Path string // YAML path, e.g. "source.resources[0]"
	Pos  Pos

	// at locates the fields Unsupported names (write_disposition,
	// include_from_parent, the Extra hints, …), by key; nil for a
	// Resource built by hand, whose warnings then point at the resource.
	at map[string]loc
}

// loc is where a value is written.
type loc struct {
	path string
	pos  Pos
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
	// ResponseActions are in file order.
	ResponseActions []ResponseAction
	// Incremental is endpoint.incremental; nil when absent.
	Incremental *Incremental
	// ParamIncremental is dlt's legacy form, a query parameter given as
	// {type: incremental, cursor_path, initial_value}; nil when no
	// parameter has it. Its Param names the parameter. When both are set
	// the parameter's wins, as in dlt.
	ParamIncremental *Incremental
	// Auth replaces the client's auth; NoAuth is set by an explicit
	// `auth: null`.
	Auth   *Plugin
	NoAuth bool
	// ParentBatch, when set, sends one child request for several parent
	// records (a sluice extension, dlt's #2144); nil: one per record.
	ParentBatch *ParentBatch
}

// ParentBatch is `endpoint.parent_batch`: the parent records of a
// dependent resource are grouped Size at a time, and each placeholder
// {resources.<parent>.<field>} renders the group's values joined by
// Separator (a JSON body placeholder gets the list).
type ParentBatch struct {
	Size      int
	Separator string
	// Match is the field of a child record that holds the parent's value
	// of the placeholder's field, so that include_from_parent and
	// per-parent incremental state know a child record's parent; empty
	// when not set.
	Match string

	Path string
	Pos  Pos
}

// Hook engines. A Hook whose Engine is none of these is a built-in,
// named by Engine (a response action's ignore, retry or fail).
const (
	EngineJS   = "js"
	EngineCEL  = "cel"
	EngineWASM = "wasm"
)

// Hook is user code at one of the extension points of SPEC's "Extension
// points and their forms": a processing step's function, an incremental
// convert, a response action. In the file it is a bare string (a
// JavaScript expression), {js: "…"}, {cel: "…"} or {wasm: path.wasm,
// config: {…}}.
type Hook struct {
	// Engine is EngineJS, EngineCEL, EngineWASM, or a built-in's name.
	Engine string
	// Source is the expression or script of a js or cel hook.
	Source string
	// Module is the .wasm file of a wasm hook, as written (a relative
	// path is relative to the pipeline file's folder).
	Module string
	// Config is the `config:` object handed to the hook; nil when absent.
	Config map[string]any
	// Dir is the folder of the pipeline file, against which a relative
	// Module is read.
	Dir string
	// Path and Pos locate the hook in the file: the YAML path of its
	// value (e.g. "source.resources[0].processing_steps[1].map").
	Path string
	Pos  Pos
}

// HookDir is the argument a module-based hook (and a `type: wasm`
// paginator or auth) gets besides its module: the pipeline file's folder,
// so that its parse step can find a relative module path (validate checks
// the module) without an environment.
const HookDir = "dir"

// Plugin returns the hook as its registry parses it: the engine is the
// type, and the arguments are the code (extension.HookSource) or module
// (extension.HookModule), the config (extension.HookConfig) and, for a
// processing step, its kind (extension.HookKind; dlt's yield_map is
// flat_map).
func (h *Hook) Plugin(kind string) *Plugin {
	args := map[string]any{}
	if h.Source != "" {
		args[extension.HookSource] = h.Source
	}
	if h.Module != "" {
		args[extension.HookModule] = h.Module
		if h.Dir != "" {
			args[HookDir] = h.Dir
		}
	}
	if h.Config != nil {
		args[extension.HookConfig] = h.Config
	}
	if kind == StepYieldMap {
		kind = StepFlatMap
	}
	if kind != "" {
		args[extension.HookKind] = kind
	}
	return &Plugin{Type: h.Engine, Args: args, Path: h.Path, Pos: h.Pos}
}

// Builtin reports whether h names a built-in rather than user code.
func (h *Hook) Builtin() bool {
	switch h.Engine {
	case EngineJS, EngineCEL, EngineWASM:
		return false
	}
	return true
}

// Kinds of processing steps.
const (
	StepFilter   = "filter"
	StepMap      = "map"
	StepFlatMap  = "flat_map"
	StepYieldMap = "yield_map" // dlt's name for flat_map
)

// ProcessingStep is one function of `processing_steps`.
type ProcessingStep struct {
	// Kind is StepFilter, StepMap, StepFlatMap or StepYieldMap.
	Kind string
	Hook Hook
	// Path and Pos locate the list entry.
	Path string
	Pos  Pos
}

// Built-in response actions.
const (
	ActionIgnore = "ignore"
	ActionRetry  = "retry"
	ActionFail   = "fail"
)

// ResponseAction is one entry of `endpoint.response_actions`: when the
// response matches StatusCodes and Content, Action runs. An entry that is
// a hook by itself ({js: …}) has no matchers and runs on every response.
type ResponseAction struct {
	// StatusCodes match when any matches; empty matches every status.
	StatusCodes []StatusMatch
	// Content matches when the response body contains it; empty matches
	// every body.
	Content string
	// Action is a built-in (Engine ignore, retry or fail) or a hook
	// given the response.
	Action Hook
	// Path and Pos locate the list entry.
	Path string
	Pos  Pos
}

// Matches reports whether status and body satisfy the action's matchers.
func (a *ResponseAction) Matches(status int, body string) bool {
	if len(a.StatusCodes) > 0 {
		ok := false
		for _, m := range a.StatusCodes {
			if m.Matches(status) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return a.Content == "" || strings.Contains(body, a.Content)
}

// StatusMatch is one status_code matcher: 404 (Code) or 4xx (Class 4).
type StatusMatch struct {
	Code  int
	Class int
}

// Matches reports whether status is the code or in the class.
func (m StatusMatch) Matches(status int) bool {
	if m.Class != 0 {
		return status/100 == m.Class
	}
	return status == m.Code
}

func (m StatusMatch) String() string {
	if m.Class != 0 {
		return fmt.Sprintf("%dxx", m.Class)
	}
	return fmt.Sprint(m.Code)
}

// Incremental is `endpoint.incremental` or a {type: incremental} param
// (dlt's IncrementalArgs, reference §6.1). Load fills the defaults.
type Incremental struct {
	CursorPath string
	// InitialValue and EndValue are as decoded from YAML (string, int,
	// float64, bool); nil when not set. An unquoted YAML timestamp is
	// its text.
	InitialValue any
	EndValue     any
	// LastValueFunc is "max" (default) or "min".
	LastValueFunc string
	// PrimaryKey overrides the resource's primary key for the boundary
	// de-duplication; HasPrimaryKey tells an explicit [] (no dedup) from
	// absent.
	PrimaryKey    []string
	HasPrimaryKey bool
	// RowOrder is "", "asc" or "desc".
	RowOrder string
	// OnCursorValueMissing is "raise" (default), "include" or "exclude".
	OnCursorValueMissing string
	// Lag is nil when not set.
	Lag *float64
	// RangeStart is "closed" (default) or "open"; RangeEnd "open"
	// (default) or "closed".
	RangeStart string
	RangeEnd   string
	// AllowExternalSchedulers is dlt's Airflow switch, kept as given.
	AllowExternalSchedulers bool
	// Convert is nil when not set (`transform` is dlt's deprecated alias).
	Convert *Hook
	// StartParam and EndParam are dlt's deprecated query parameters.
	StartParam string
	EndParam   string
	// PerParent keeps one cursor per parent record for a dependent
	// resource (a sluice extension, dlt's #2429); false shares one cursor
	// across parents, as dlt does.
	PerParent bool
	// Param is the query parameter of the {type: incremental} form; empty
	// for endpoint.incremental.
	Param string
	// Path and Pos locate the object in the file.
	Path string
	Pos  Pos
}
