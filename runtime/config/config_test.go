package config

import (
	"context"
	"errors"
	"github.com/sluicehq/sluice/runtime/cursorvalue"
	"github.com/sluicehq/sluice/scripting/cel"
	"github.com/sluicehq/sluice/scripting/js"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/builtin"
	"github.com/sluicehq/sluice/runtime/extension"
)

// ---------------------------------------------------------------- helpers

type dummyPaginator struct{}

func (dummyPaginator) Init(context.Context, *extension.Request) error { return nil }
func (dummyPaginator) Next(context.Context, *extension.Response, int, *extension.Request) (bool, error) {
	return false, nil
}

type testAuth struct{}

func (testAuth) Authenticate(context.Context, *extension.Request) error { return nil }
func (testAuth) Secrets() []string                                      { return nil }

// testRegistries is a tiny registry with a few paginators and auths whose
// constructors only read their arguments.
func testRegistries() *extension.Registries {
	r := extension.NewRegistries()
	pag := func(read func(a *extension.Args)) extension.ParseFunc[extension.PaginatorFactory] {
		return func(a *extension.Args) (extension.Builder[extension.PaginatorFactory], error) {
			read(a)
			return extension.Ready[extension.PaginatorFactory](extension.NewPaginatorFunc(func() extension.Paginator { return dummyPaginator{} })), nil
		}
	}
	r.Paginators.Register("json_link", extension.Spec{Fields: []extension.Field{{Name: "next_url_path", Type: extension.TypeString, Doc: "JSONPath of the next URL (next)"}}},
		pag(func(a *extension.Args) { a.String("next_url_path", "next") }))
	r.Paginators.Register("header_link", extension.Spec{Fields: []extension.Field{{Name: "links_next_key", Type: extension.TypeString, Doc: "(next)"}}},
		pag(func(a *extension.Args) { a.String("links_next_key", "next") }))
	r.Paginators.Register("single_page", extension.Spec{}, pag(func(*extension.Args) {}))
	// the real engines: validate compiles hook code with them
	js.Register(r)
	cel.Register(r)
	r.Paginators.Register("page_number", extension.Spec{Fields: []extension.Field{{Name: "base_page", Type: extension.TypeString, Doc: ""}, {Name: "page_param", Type: extension.TypeString, Doc: ""}, {Name: "total_path", Type: extension.TypeString, Doc: ""}}},
		pag(func(a *extension.Args) {
			a.Int("base_page", 0)
			a.String("page_param", "page")
			a.String("total_path", "total")
		}))
	r.Paginators.Register("offset", extension.Spec{Fields: []extension.Field{{Name: "limit", Type: extension.TypeString, Doc: "required"}, {Name: "offset_param", Type: extension.TypeString, Doc: ""}}},
		pag(func(a *extension.Args) {
			if _, ok := a.OptInt("limit"); !ok && !a.Has("limit") {
				a.Fail("limit", "required")
			}
			a.String("offset_param", "offset")
		}))
	aut := func(read func(a *extension.Args)) extension.ParseFunc[extension.Authenticator] {
		return func(a *extension.Args) (extension.Builder[extension.Authenticator], error) {
			read(a)
			return extension.Ready[extension.Authenticator](testAuth{}), nil
		}
	}
	r.Auths.Register("bearer", extension.Spec{Fields: []extension.Field{{Name: "token", Type: extension.TypeString, Doc: "required"}}}, aut(func(a *extension.Args) {
		if _, ok := a.OptString("token"); !ok {
			a.Fail("token", "required")
		}
	}))
	r.Auths.Register("http_basic", extension.Spec{Fields: []extension.Field{{Name: "username", Type: extension.TypeString, Doc: ""}, {Name: "password", Type: extension.TypeString, Doc: ""}}}, aut(func(a *extension.Args) {
		a.String("username", "")
		a.String("password", "")
	}))
	r.Auths.Register("api_key", extension.Spec{Fields: []extension.Field{{Name: "api_key", Type: extension.TypeString, Doc: ""}, {Name: "name", Type: extension.TypeString, Doc: ""}, {Name: "location", Type: extension.TypeString, Doc: ""}}}, aut(func(a *extension.Args) {
		a.String("api_key", "")
		a.String("name", "Authorization")
		a.Int("location", 0) // an int only so that a test can provoke a message quoting a value
	}))
	return r
}

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func parse(t *testing.T, src string, env map[string]string, reg bool) (*File, Problems) {
	t.Helper()
	opts := Options{LookupEnv: envOf(env)}
	if reg {
		opts.Registries = testRegistries()
	}
	f, err := Parse([]byte(src), "test.yaml", t.TempDir(), opts)
	return f, asProblems(t, f, err)
}

func load(t *testing.T, path string, env map[string]string, reg bool) (*File, Problems) {
	t.Helper()
	opts := Options{LookupEnv: envOf(env)}
	if reg {
		opts.Registries = testRegistries()
	}
	f, err := Load(path, opts)
	return f, asProblems(t, f, err)
}

func asProblems(t *testing.T, f *File, err error) Problems {
	t.Helper()
	if err == nil {
		if f == nil {
			t.Fatal("nil file and nil error")
		}
		return nil
	}
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("error is %T, not Problems: %v", err, err)
	}
	if f != nil {
		t.Fatal("a file returned with problems")
	}
	if len(ps) == 0 {
		t.Fatal("empty Problems returned as an error")
	}
	return ps
}

// clearLocs drops the unexported field locations Unsupported uses, so that
// a File can be compared with one written by hand.
func clearLocs(f *File) {
	f.Pipeline.destAt = loc{}
	for _, r := range f.Source.Resources {
		r.at = nil
	}
}

func fixture(name string) string {
	return filepath.Join("..", "..", "testdata", "config", name)
}

// want is an expected problem: Path and Line must match; Msg and Hint are
// substrings.
type want struct {
	Path string
	Line int
	Msg  string
	Hint string
}

func checkProblems(t *testing.T, got Problems, wants []want, exact bool) {
	t.Helper()
	for _, w := range wants {
		found := false
		for _, p := range got {
			if p.Path == w.Path && (w.Line == 0 || p.Line == w.Line) &&
				strings.Contains(p.Msg, w.Msg) && strings.Contains(p.Hint, w.Hint) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("missing problem %+v", w)
		}
	}
	if exact && len(got) != len(wants) {
		t.Errorf("got %d problems, want %d:\n%v", len(got), len(wants), got)
	}
	if t.Failed() {
		t.Logf("problems:\n%v", got)
	}
}

// ---------------------------------------------------------------- valid files

func TestGithubExample(t *testing.T) {
	f, probs := load(t, fixture("valid/github.yaml"), map[string]string{"GITHUB_TOKEN": "ghp_abcdef123456"}, true)
	if probs != nil {
		t.Fatalf("unexpected problems:\n%v", probs)
	}
	want := &File{
		Path: fixture("valid/github.yaml"),
		Pipeline: Pipeline{
			Name: "github_pipeline", Destination: "sqlite", Dataset: "github_data",
		},
		Source: Source{
			Client: Client{
				BaseURL: "https://api.github.com/repos/dlt-hub/dlt/",
				Auth: &Plugin{Type: "bearer", Args: map[string]any{"token": "ghp_abcdef123456"},
					Path: "source.client.auth", Pos: Pos{8, 11}},
				Paginator: &Plugin{Type: "header_link", Path: "source.client.paginator", Pos: Pos{9, 16}},
				Retry:     Retry{MaxAttempts: 5, BackoffFactor: 1, MaxDelay: 300, Timeout: 60},
			},
			Resources: []*Resource{
				{
					Name: "issues",
					Endpoint: Endpoint{
						Path: "issues", Method: "GET",
						Params:     map[string]any{"per_page": 100, "state": "all", "since": "{incremental.start_value}"},
						ParamOrder: []string{"per_page", "state", "since"},
						Incremental: &Incremental{CursorPath: "updated_at", InitialValue: "2024-01-01T00:00:00Z",
							LastValueFunc: "max", OnCursorValueMissing: "raise", RangeStart: "closed", RangeEnd: "open",
							Path: "source.resources[0].endpoint.incremental", Pos: Pos{19, 22}},
					},
					TableName: "issues", WriteDisposition: "merge", MergeStrategy: "delete-insert",
					PrimaryKey: []string{"id"}, Selected: true,
					Path: "source.resources[0]", Pos: Pos{15, 7},
				},
				{
					Name: "issue_comments",
					Endpoint: Endpoint{
						Path: "issues/{resources.issues.number}/comments", Method: "GET",
						Params: map[string]any{"per_page": 100}, ParamOrder: []string{"per_page"},
					},
					TableName: "issue_comments", WriteDisposition: "merge", MergeStrategy: "delete-insert",
					PrimaryKey: []string{"id"}, IncludeFromParent: []string{"id"}, Selected: true,
					Parent: "issues",
					Path:   "source.resources[1]", Pos: Pos{20, 7},
				},
			},
		},
		Secrets: []string{"ghp_abcdef123456"},
	}
	clearLocs(f)
	if !reflect.DeepEqual(f, want) {
		t.Errorf("got\n%#v\nwant\n%#v", f, want)
		for i := range f.Source.Resources {
			if !reflect.DeepEqual(f.Source.Resources[i], want.Source.Resources[i]) {
				t.Errorf("resource %d:\n got %#v\nwant %#v", i, f.Source.Resources[i], want.Source.Resources[i])
			}
		}
	}
}

func TestStringResources(t *testing.T) {
	f, probs := load(t, fixture("valid/strings.yaml"), nil, false)
	if probs != nil {
		t.Fatalf("unexpected problems:\n%v", probs)
	}
	rs := f.Source.Resources
	if len(rs) != 3 {
		t.Fatalf("got %d resources", len(rs))
	}
	tests := []struct {
		name, path, parent string
		params             map[string]any
	}{
		{"posts", "posts", "", map[string]any{"_limit": 5}},
		{"/protected/posts/x-y", "/protected/posts/x-y", "", map[string]any{"_limit": 5}},
		{"comments", "posts/{resources.posts.id}/comments", "posts", map[string]any{"_limit": 5}},
	}
	for i, tt := range tests {
		r := rs[i]
		if r.Name != tt.name || r.Endpoint.Path != tt.path || r.Parent != tt.parent || r.TableName != tt.name ||
			!reflect.DeepEqual(r.Endpoint.Params, tt.params) || r.Endpoint.Method != "GET" || !r.Selected ||
			r.WriteDisposition != "append" {
			t.Errorf("resource %d = %+v", i, r)
		}
	}
	if f.Pipeline.Dataset != "jsonplaceholder_dataset" || f.Pipeline.Destination != "sqlite" {
		t.Errorf("pipeline = %+v", f.Pipeline)
	}
	if rs[1].Pos != (Pos{8, 7}) || rs[1].Path != "source.resources[1]" {
		t.Errorf("pos = %+v %s", rs[1].Pos, rs[1].Path)
	}
}

func TestDefaultsMerge(t *testing.T) {
	f, probs := load(t, fixture("valid/defaults.yaml"), nil, true)
	if probs != nil {
		t.Fatalf("unexpected problems:\n%v", probs)
	}
	wantPl := Pipeline{Name: "defaults.test", Destination: "duckdb", DestinationPath: "data/out.duckdb",
		Dataset: "defaults.test_dataset", PipelinesDir: "/tmp/pipes"}
	clearLocs(f)
	if f.Pipeline != wantPl {
		t.Errorf("pipeline = %+v", f.Pipeline)
	}
	c := f.Source.Client
	if !reflect.DeepEqual(c.Headers, map[string]string{"Accept": "application/json", "X-Version": "2"}) ||
		c.Concurrency != 4 || *c.RateLimit != (RateLimit{RequestsPerSecond: 2.5, Burst: 1}) ||
		c.Retry != (Retry{MaxAttempts: 3, BackoffFactor: 0, MaxDelay: 300, Timeout: 60}) {
		t.Errorf("client = %+v", c)
	}
	users, teams := f.Source.Resources[0], f.Source.Resources[1]

	// users overrides some endpoint keys; params and json merge one level
	wantUsers := Endpoint{
		Path: "users", Method: "POST",
		Params:     map[string]any{"per_page": 50, "sort": "desc", "fields": []any{"id", "name"}},
		ParamOrder: []string{"per_page", "sort", "fields"},
		JSON:       map[string]any{"filter": map[string]any{"active": true}, "limit": 20},
		Headers:    map[string]string{"X-Own": "2"}, // replaced as a whole
		// paginator: null and data_selector: null override the defaults
	}
	if !reflect.DeepEqual(users.Endpoint, wantUsers) {
		t.Errorf("users endpoint:\n got %#v\nwant %#v", users.Endpoint, wantUsers)
	}
	if users.WriteDisposition != "merge" || users.MergeStrategy != "upsert" || !users.Parallelized ||
		!reflect.DeepEqual(users.PrimaryKey, []string{"id"}) || users.Limits != (Limits{500, 64}) {
		t.Errorf("users = %+v", users)
	}
	wantCols := map[string]map[string]any{
		"id":         {"data_type": "bigint", "nullable": false},
		"created_at": {"data_type": "timestamp", "nullable": true},
		"email":      {"data_type": "text"},
	}
	if !reflect.DeepEqual(users.Columns, wantCols) || !reflect.DeepEqual(users.ColumnOrder, []string{"id", "created_at", "email"}) {
		t.Errorf("users columns = %v %v", users.Columns, users.ColumnOrder)
	}

	// teams takes every endpoint default but path (a default path never applies)
	if teams.Endpoint.Path != "teams/all" || teams.Endpoint.DataSelector != "data" ||
		!reflect.DeepEqual(teams.Endpoint.Params, map[string]any{"per_page": 50, "sort": "asc"}) ||
		!reflect.DeepEqual(teams.Endpoint.Headers, map[string]string{"X-Default": "1"}) {
		t.Errorf("teams endpoint = %+v", teams.Endpoint)
	}
	pg := teams.Endpoint.Paginator
	if pg == nil || pg.Type != "page_number" || pg.Path != "source.resource_defaults.endpoint.paginator" ||
		!reflect.DeepEqual(pg.Args, map[string]any{"base_page": 1}) || pg.Pos != (Pos{28, 18}) {
		t.Errorf("teams paginator = %+v", pg)
	}
	// explicit null primary_key overrides the default; a string
	// write_disposition replaces the default's object whole
	if teams.PrimaryKey != nil || teams.WriteDisposition != "replace" || teams.MergeStrategy != "" {
		t.Errorf("teams = %+v", teams)
	}
	if !reflect.DeepEqual(teams.ColumnOrder, []string{"id", "created_at"}) {
		t.Errorf("teams columns = %v", teams.ColumnOrder)
	}
	// the defaults are not changed by a merge: teams keeps json.limit 10
	if !reflect.DeepEqual(teams.Endpoint.JSON, map[string]any{"filter": map[string]any{"active": true}, "limit": 10}) {
		t.Errorf("teams json = %v", teams.Endpoint.JSON)
	}
}

func TestValidInline(t *testing.T) {
	head := "pipeline: {name: p}\nsource:\n  client: {base_url: \"https://x.test/\"}\n"
	tests := []struct {
		name  string
		src   string
		check func(t *testing.T, f *File)
	}{
		{"endpoint auth null and shorthand paginator", head + `  resources:
    - name: a
      endpoint: {path: a, auth: null, paginator: single_page}
    - name: b
      endpoint: {auth: {token: abc123}, paginator: auto}
`, func(t *testing.T, f *File) {
			a, b := f.Source.Resources[0].Endpoint, f.Source.Resources[1].Endpoint
			if !a.NoAuth || a.Auth != nil || a.Paginator == nil || a.Paginator.Type != "single_page" {
				t.Errorf("a = %+v", a)
			}
			if b.NoAuth || b.Auth == nil || b.Auth.Type != "bearer" || b.Paginator != nil || b.Path != "b" {
				t.Errorf("b = %+v", b)
			}
			if b.Auth.Path != "source.resources[1].endpoint.auth" {
				t.Errorf("auth path = %s", b.Auth.Path)
			}
		}},
		{"paginator object without type is auto", head + `  resources:
    - name: a
      endpoint: {paginator: {}}
`, func(t *testing.T, f *File) {
			if f.Source.Resources[0].Endpoint.Paginator != nil {
				t.Errorf("paginator = %+v", f.Source.Resources[0].Endpoint.Paginator)
			}
		}},
		{"all resource fields", head + `  resources:
    - name: a
      table_name: things
      write_disposition: {disposition: merge, strategy: scd2, validity_column_names: [from, to]}
      merge_key: [k1, k2]
      selected: false
      max_table_nesting: 0
      processing_steps:
        - filter: "item.id > 1"
        - map: {cel: "item"}
      schema_contract: freeze
      table_format: iceberg
      endpoint:
        method: POST
        json: {q: 1}
        data_selector: $.data[*]
        response_actions:
          - {status_code: 404, action: ignore}
          - {status_code: "4xx", content: "not found", action: {js: "response"}}
        headers: {X-N: 5, X-B: true}
        params:
          id: {type: resolve, resource: b, field: id}
        path: "a/{id}"
    - b
`, func(t *testing.T, f *File) {
			r := f.Source.Resources[0]
			if r.TableName != "things" || r.WriteDisposition != "merge" || r.MergeStrategy != "scd2" ||
				!reflect.DeepEqual(r.WriteDispositionOptions, map[string]any{"validity_column_names": []any{"from", "to"}}) ||
				!reflect.DeepEqual(r.MergeKey, []string{"k1", "k2"}) || r.Selected || r.MaxTableNesting == nil || *r.MaxTableNesting != 0 ||
				len(r.ProcessingSteps) != 2 || r.Parent != "b" ||
				!reflect.DeepEqual(r.Extra, map[string]any{"schema_contract": "freeze", "table_format": "iceberg"}) {
				t.Errorf("resource = %+v", r)
			}
			e := r.Endpoint
			if e.Method != "POST" || e.DataSelector != "$.data[*]" || len(e.ResponseActions) != 2 ||
				!reflect.DeepEqual(e.Headers, map[string]string{"X-N": "5", "X-B": "true"}) ||
				!reflect.DeepEqual(e.Params["id"], map[string]any{"type": "resolve", "resource": "b", "field": "id"}) {
				t.Errorf("endpoint = %+v", e)
			}
			if !reflect.DeepEqual(e.ResponseActions[1], ResponseAction{StatusCodes: []StatusMatch{{Class: 4}}, Content: "not found",
				Action: Hook{Engine: "js", Source: "response", Path: "source.resources[0].endpoint.response_actions[1].action", Pos: Pos{22, 64}},
				Path:   "source.resources[0].endpoint.response_actions[1]", Pos: Pos{22, 13}}) {
				t.Errorf("response action = %v", e.ResponseActions[1])
			}
		}},
		{"yaml anchors and merge keys", `pipeline: {name: p}
source:
  client: {base_url: "https://x.test/"}
  resources:
    - &base
      name: a
      primary_key: id
    - <<: *base
      name: b
`, func(t *testing.T, f *File) {
			b := f.Source.Resources[1]
			if b.Name != "b" || !reflect.DeepEqual(b.PrimaryKey, []string{"id"}) || b.Endpoint.Path != "b" {
				t.Errorf("b = %+v", b)
			}
		}},
		{"escaped braces and static path params", head + `  resources:
    - name: a
      endpoint:
        path: "users/{id}"
        params: {id: 2, q: "{{literal}}"}
        json: {query: "{{ viewer {{ login }} }}"}
`, func(t *testing.T, f *File) {
			if f.Source.Resources[0].Endpoint.Params["id"] != 2 {
				t.Errorf("params = %v", f.Source.Resources[0].Endpoint.Params)
			}
		}},
		{"empty base_url with full URL paths", `pipeline: {name: p}
source:
  client: {base_url: ""}
  resources: [{name: a, endpoint: "https://x.test/a"}, {name: b, endpoint: "{resources.a.url}"}]
`, func(t *testing.T, f *File) {
			if f.Source.Client.BaseURL != "" {
				t.Errorf("base_url = %q", f.Source.Client.BaseURL)
			}
		}},
		{"relative base_url with full URL paths", `pipeline: {name: p}
source:
  client: {base_url: "v1/"}
  resources: [{name: a, endpoint: "http://x.test/a"}]
`, func(t *testing.T, f *File) {
			if f.Source.Client.BaseURL != "v1/" {
				t.Errorf("base_url = %q", f.Source.Client.BaseURL)
			}
		}},
		{"three-level chain", head + `  resources:
    - a
    - {name: b, endpoint: "a/{resources.a.id}/b"}
    - {name: c, endpoint: "b/{resources.b.id}/c", include_from_parent: [id]}
`, func(t *testing.T, f *File) {
			if f.Source.Resources[2].Parent != "b" || f.Source.Resources[1].Parent != "a" {
				t.Errorf("parents = %q %q", f.Source.Resources[1].Parent, f.Source.Resources[2].Parent)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, probs := parse(t, tt.src, nil, true)
			if probs != nil {
				t.Fatalf("unexpected problems:\n%v", probs)
			}
			tt.check(t, f)
		})
	}
}

// ---------------------------------------------------------------- ${VAR} and secrets

func TestVariables(t *testing.T) {
	env := map[string]string{"USER_NAME": "alice", "CONCURRENCY": "3", "API_VERSION": "3"}
	f, probs := load(t, fixture("secrets/pipeline.yaml"), env, true)
	if probs != nil {
		t.Fatalf("unexpected problems:\n%v", probs)
	}
	if f.Pipeline.Name != "secret_test" {
		t.Errorf("name = %q", f.Pipeline.Name)
	}
	c := f.Source.Client
	if c.BaseURL != "https://api.example.com/v3/" {
		t.Errorf("base_url = %q", c.BaseURL)
	}
	wantH := map[string]string{
		"X-Api-Key": "k-1234567890",
		"X-Literal": "${NOT_A_VAR} and {resources.not.touched}",
		"X-Mixed":   "alice:hunter2hunter2",
	}
	if !reflect.DeepEqual(c.Headers, wantH) {
		t.Errorf("headers = %v", c.Headers)
	}
	if c.Concurrency != 3 {
		t.Errorf("concurrency = %d", c.Concurrency)
	}
	if !reflect.DeepEqual(c.Auth.Args, map[string]any{"username": "alice", "password": "hunter2hunter2"}) {
		t.Errorf("auth = %v", c.Auth.Args)
	}
	e := f.Source.Resources[0].Endpoint
	if e.Params["since"] != "{incremental.start_value}" || e.Params["region"] != "eu-west" ||
		e.Incremental == nil || e.Incremental.InitialValue != "2024-01-01" {
		t.Errorf("endpoint = %+v", e)
	}
	// Every value from the environment or secrets.toml is a secret,
	// whatever its name: api_key, password, region from secrets.toml;
	// USER_NAME (alice), CONCURRENCY and API_VERSION (both "3") from the
	// environment.
	wantSecrets := map[string]bool{"k-1234567890": true, "hunter2hunter2": true, "eu-west": true, "alice": true, "3": true}
	got := map[string]bool{}
	for _, s := range f.Secrets {
		got[s] = true
	}
	if !reflect.DeepEqual(got, wantSecrets) || len(f.Secrets) != len(wantSecrets) {
		t.Errorf("secrets = %q", f.Secrets)
	}
}

func TestExpand(t *testing.T) {
	r := &resolver{lookupEnv: envOf(map[string]string{"A": "1", "B": "two", "EMPTY": "", "X__Y": "dlt"}), dir: t.TempDir()}
	tests := []struct {
		in, out string
		errs    int
	}{
		{"plain", "plain", 0},
		{"${A}", "1", 0},
		{"x${A}y${B}z", "x1ytwoz", 0},
		{"${MISSING:-fb}", "fb", 0},
		{"${MISSING:-}", "", 0},
		{"${EMPTY:-fb}", "fb", 0},
		{"${EMPTY}", "", 0},
		{"${A:-fb}", "1", 0},
		{"${MISSING:-${B}}", "two", 0},
		{"$${A}", "${A}", 0},
		{"$A and $ and $$", "$A and $ and $$", 0},
		{"{resources.a.b} {incremental.start_value}", "{resources.a.b} {incremental.start_value}", 0},
		{"${x.y}", "dlt", 0},
		{"${sources.x.y}", "${sources.x.y}", 1},
		{"${X.Y}", "dlt", 0},
		{"${MISSING}", "${MISSING}", 1},
		{"${A} ${MISSING} ${ALSO_MISSING}", "1 ${MISSING} ${ALSO_MISSING}", 2},
		{"${item.a + 1}", "${item.a + 1}", 1},
		{"${A", "${A", 1},
	}
	for _, tt := range tests {
		out, _, errs := r.expand(tt.in)
		if out != tt.out || len(errs) != tt.errs {
			t.Errorf("expand(%q) = %q, %d errors %v; want %q, %d", tt.in, out, len(errs), errs, tt.out, tt.errs)
		}
	}
}

func TestScriptsAreNotInterpolated(t *testing.T) {
	src := `pipeline: {name: p}
source:
  client: {base_url: "https://x.test/", paginator: {type: js, script: "function next(r) { return {url: ` + "`${r.body.next}`" + `} }"}}
  resources:
    - name: a
      processing_steps:
        - map: "({...item, url: ` + "`${item.id}/x`" + `})"
        - filter: {cel: "item.n > ${MIN}", config: {min: "${MIN}"}}
`
	f, probs := parse(t, src, map[string]string{"MIN": "7"}, false)
	if probs != nil {
		t.Fatal(probs)
	}
	steps := f.Source.Resources[0].ProcessingSteps
	if len(steps) != 2 || steps[0].Kind != "map" || steps[0].Hook.Engine != "js" || steps[0].Hook.Source != "({...item, url: `${item.id}/x`})" ||
		steps[1].Kind != "filter" || steps[1].Hook.Engine != "cel" || steps[1].Hook.Source != "item.n > ${MIN}" {
		t.Errorf("steps = %v", steps)
	}
	if got := steps[1].Hook.Config["min"]; got != "7" {
		t.Errorf("config.min = %v: ${…} in a hook's config is interpolated", got)
	}
	if got := f.Source.Client.Paginator.Args["script"]; got != "function next(r) { return {url: `${r.body.next}`} }" {
		t.Errorf("paginator script = %v", got)
	}
}

// TestEveryReferenceIsSecret: whether a value is secret does not depend on
// its variable's name, only on where it came from.
func TestEveryReferenceIsSecret(t *testing.T) {
	src := `pipeline: {name: p}
source:
  client:
    base_url: https://x.test/
    headers: {X-Key: "${MY_API_KEY}", X-Host: "${HOST_NAME}", X-Custom-Auth: "${GH}", X-Dlt: "${sources.gh.value}", X-Fb: "${UNSET:-in-the-file}", X-Fb2: "${UNSET:-${GH2}}"}
  resources:
    - name: a
      endpoint: {params: {access_key: "${GH}", literal: not-a-secret}}
`
	env := map[string]string{"MY_API_KEY": "key-value-1", "HOST_NAME": "host.test", "GH": "gh-value", "SOURCES__GH__VALUE": "dlt-value", "GH2": "nested-value"}
	f, probs := parse(t, src, env, false)
	if probs != nil {
		t.Fatal(probs)
	}
	got := strings.Join(f.Secrets, ",")
	if got != "key-value-1,host.test,gh-value,dlt-value,nested-value" {
		t.Errorf("secrets = %s", got)
	}
}

func TestSecretsNeverInProblems(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "secrets.toml"), []byte("[sources.api]\nkind = \"supersecretvalue\"\nloc = \"topsecretlocation\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	src := `pipeline: {name: p}
source:
  client:
    base_url: https://x.test/
    auth: {type: api_key, api_key: "${API_TOKEN}", location: "${sources.api.loc}"}
  resources:
    - name: a
      write_disposition: "${sources.api.kind}"
      endpoint:
        method: "${MY_SECRET}"
`
	env := map[string]string{"API_TOKEN": "tok-9876543210", "MY_SECRET": "xy"}
	_, err := Parse([]byte(src), "p.yaml", dir, Options{LookupEnv: envOf(env), Registries: testRegistries()})
	if err == nil {
		t.Fatal("expected problems")
	}
	text := err.Error()
	for _, s := range []string{"supersecretvalue", "topsecretlocation", "tok-9876543210", `"xy"`} {
		if strings.Contains(text, s) {
			t.Errorf("secret %s in problems:\n%s", s, text)
		}
	}
	for _, s := range []string{Mask("supersecretvalue"), Mask("topsecretlocation"), `"*****"`} {
		if !strings.Contains(text, s) {
			t.Errorf("mask %s not in problems:\n%s", s, text)
		}
	}
	var ps Problems
	errors.As(err, &ps)
	checkProblems(t, ps, []want{
		{Path: "source.client.auth.location", Line: 5},
		{Path: "source.resources[0].write_disposition", Line: 8, Msg: "expected one of: append, replace, merge, skip"},
		{Path: "source.resources[0].endpoint.method", Line: 10, Msg: "expected one of: GET, POST"},
	}, true)
}

func TestMissingVariables(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "secrets.toml"), []byte("[sources.github]\nother = \"x\"\n"), 0o600)
	src := `pipeline: {name: p}
source:
  client:
    base_url: https://x.test/
    auth: {token: "${sources.github.token}"}
  resources:
    - name: a
      endpoint:
        params: {since: "${SINCE}", ok: "${SINCE:-x}"}
      processing_steps:
        - map: "({...item, u: ` + "`${item.a}`" + `})"   # code: a template literal, not a reference
`
	_, err := Parse([]byte(src), "p.yaml", dir, Options{LookupEnv: envOf(nil)})
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("err = %v", err)
	}
	checkProblems(t, ps, []want{
		{Path: "source.client.auth.token", Line: 5, Msg: "missing value for ${sources.github.token}", Hint: "SOURCES__GITHUB__TOKEN"},
		{Path: "source.resources[0].endpoint.params.since", Line: 9, Msg: "missing value for ${SINCE}: not set in the environment nor in secrets.toml"},
	}, true)
}

func TestBadSecretsFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "secrets.toml"), []byte("[sources\ntoken = 1\n"), 0o600)
	src := "pipeline: {name: p}\nsource:\n  client: {base_url: \"${BASE}\"}\n  resources: [a]\n"
	_, err := Parse([]byte(src), "p.yaml", dir, Options{LookupEnv: envOf(nil)})
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("err = %v", err)
	}
	checkProblems(t, ps, []want{
		{Path: filepath.Join(dir, "secrets.toml"), Line: 1, Msg: "secrets.toml is not valid TOML"},
		{Path: "source.client.base_url", Line: 3, Msg: "missing value for ${BASE}"},
	}, true)
}

// ---------------------------------------------------------------- broken files

func TestParamsOnResource(t *testing.T) {
	_, probs := load(t, fixture("broken/params_on_resource.yaml"), nil, true)
	if len(probs) != 1 {
		t.Fatalf("want 1 problem, got:\n%v", probs)
	}
	p := probs[0]
	if p.Path != "source.resources[0].params" || p.Line != 10 || p.Column != 7 || p.Msg != `unknown field "params"` ||
		!strings.Contains(p.Hint, "move it to source.resources[0].endpoint.params") {
		t.Errorf("problem = %#v", p)
	}
	wantStr := `source.resources[0].params (line 10, col 7): unknown field "params"; hint: params belongs inside endpoint: move it to source.resources[0].endpoint.params`
	if p.String() != wantStr {
		t.Errorf("String() = %s", p.String())
	}
}

func TestManyMistakes(t *testing.T) {
	_, probs := load(t, fixture("broken/many.yaml"), nil, true)
	checkProblems(t, probs, []want{
		{Path: "pipeline.name", Line: 2, Msg: `invalid pipeline name "my pipeline"`, Hint: `try "my_pipeline"`},
		{Path: "pipeline.destination", Line: 3, Msg: "expected one of: sqlite, duckdb"},
		{Path: "source.client.base_url", Line: 6, Msg: "has no scheme", Hint: "add https://"},
		{Path: "source.client.paginatr", Line: 7, Msg: `unknown field "paginatr"`, Hint: `did you mean "paginator"?`},
		{Path: "source.client.concurrency", Line: 8, Msg: "must be at least 1"},
		{Path: "source.resource_defaults.write_disposition", Line: 10, Msg: "expected one of: append, replace, merge, skip", Hint: "{disposition: merge, strategy: upsert}"},
		{Path: "source.resource_defaults.endpoint.paginator.initial_page", Line: 12, Msg: "unknown field"},
		{Path: "source.resources[0].primary_keys", Line: 15, Msg: `unknown field "primary_keys"`, Hint: `did you mean "primary_key"?`},
		{Path: "source.resources[0].endpoint.method", Line: 18, Msg: "expected one of: GET, POST", Hint: "write GET"},
		{Path: "source.resources[0].endpoint.data_selector", Line: 19, Msg: "expected a string, got a list"},
		{Path: "source.resources[0].endpoint.primary_key", Line: 20, Msg: `unknown field "primary_key"`, Hint: "move it up to source.resources[0].primary_key"},
		{Path: "source.resources[1].name", Line: 21, Msg: "Resource `users` is already defined", Hint: "line 14"},
		{Path: "source.resources[1].selected", Line: 22, Msg: "expected true or false"},
		{Path: "source.resources[1].max_table_nesting", Line: 23, Msg: "must be at least 0"},
		{Path: "source.resources[1].endpoint.path", Line: 25, Msg: "non existing parent resource `accounts`"},
		{Path: "source.resources[2]", Line: 26, Msg: "expected a resource name or an object"},
		{Path: "source.resources[3]", Line: 27, Msg: `missing required field "name"`},
	}, true)
	// sorted by line
	for i := 1; i < len(probs); i++ {
		if probs[i].Line < probs[i-1].Line {
			t.Errorf("not sorted at %d: %v", i, probs)
		}
	}
	if n := strings.Count(probs.Error(), "\n"); n != len(probs)-1 {
		t.Errorf("Error() has %d lines for %d problems", n+1, len(probs))
	}
}

func TestBroken(t *testing.T) {
	head := "pipeline: {name: p}\nsource:\n  client: {base_url: \"https://x.test/\"}\n"
	tests := []struct {
		name  string
		src   string
		wants []want
	}{
		{"empty file", "", []want{{Path: "", Msg: "the file is empty"}}},
		{"yaml syntax", "pipeline: {name: p\nsource: [", []want{{Path: "", Msg: "invalid YAML"}}},
		{"top level not an object", "- a\n", []want{{Path: "", Line: 1, Msg: "expected an object"}}},
		{"missing sections", "foo: 1\n", []want{
			{Path: "pipeline", Line: 1, Msg: `missing required section "pipeline"`},
			{Path: "source", Line: 1, Msg: `missing required section "source"`},
			{Path: "foo", Line: 1, Msg: `unknown field "foo"`},
		}},
		{"source keys at top level", "pipeline: {name: p}\nclient: {base_url: x}\nresources: [a]\n", []want{
			{Path: "client", Line: 2, Msg: `unknown field "client"`, Hint: "move it to source.client"},
			{Path: "resources", Line: 3, Hint: "move it to source.resources"},
			{Path: "source", Line: 1, Msg: "missing required section"},
		}},
		{"missing required fields", "pipeline: {dataset: d}\nsource: {resource_defaults: {}}\n", []want{
			{Path: "pipeline", Line: 1, Msg: `missing required field "name"`},
			{Path: "source", Line: 2, Msg: `missing required field "client"`},
			{Path: "source", Line: 2, Msg: `missing required field "resources"`},
		}},
		{"empty resources and missing base_url", "pipeline: {name: p}\nsource:\n  client: {headers: {A: b}}\n  resources: []\n", []want{
			{Path: "source.client", Line: 3, Msg: `missing required field "base_url"`},
			{Path: "source.resources", Line: 4, Msg: "must not be empty"},
		}},
		{"duplicate keys", head + "  resources:\n    - name: a\n      name: b\n", []want{
			{Path: "source.resources[0].name", Line: 6, Msg: `duplicate key "name"`, Hint: "line 5"},
		}},
		{"typos at every level", `pipeline: {nme: p, name: p}
source:
  client: {base_url: "https://x.test/", retry: {max_attemps: 2}, rate_limit: {requests_per_sec: 1}}
  resource_defaults: {write_dispositon: merge, endpoint: {paginater: single_page}}
  resources:
    - name: a
      endpoint: {pth: a, incremental: {cursor_pth: x, cursor_path: y}}
      colums: {}
`, []want{
			{Path: "pipeline.nme", Line: 1, Hint: `did you mean "name"?`},
			{Path: "source.client.retry.max_attemps", Line: 3, Hint: `did you mean "max_attempts"?`},
			{Path: "source.client.rate_limit.requests_per_sec", Line: 3, Hint: `did you mean "requests_per_second"?`},
			{Path: "source.client.rate_limit", Line: 3, Msg: `missing required field "requests_per_second"`},
			{Path: "source.resource_defaults.write_dispositon", Line: 4, Hint: `did you mean "write_disposition"?`},
			{Path: "source.resource_defaults.endpoint.paginater", Line: 4, Hint: `did you mean "paginator"?`},
			{Path: "source.resources[0].endpoint.pth", Line: 7, Hint: `did you mean "path"?`},
			{Path: "source.resources[0].endpoint.incremental.cursor_pth", Line: 7, Hint: `did you mean "cursor_path"?`},
			{Path: "source.resources[0].colums", Line: 8, Hint: `did you mean "columns"?`},
		}},
		{"fields at the wrong level", `pipeline: {name: p, base_url: x}
source:
  client: {base_url: "https://x.test/", params: {a: 1}, primary_key: id}
  write_disposition: merge
  resource_defaults: {name: x, rate_limit: {requests_per_second: 1}}
  resources:
    - name: a
      paginator: single_page
      cursor_path: updated_at
      endpoint: {selected: false, base_url: y}
`, []want{
			{Path: "pipeline.base_url", Line: 1, Hint: "source.client.base_url"},
			{Path: "source.client.params", Line: 3, Hint: "source.resource_defaults.endpoint.params"},
			{Path: "source.client.primary_key", Line: 3, Hint: "source.resource_defaults.primary_key"},
			{Path: "source.write_disposition", Line: 4, Hint: "source.resource_defaults.write_disposition"},
			{Path: "source.resource_defaults.name", Line: 5, Hint: "cannot set a name"},
			{Path: "source.resource_defaults.rate_limit", Line: 5, Hint: "source.client.rate_limit"},
			{Path: "source.resources[0].paginator", Line: 8, Hint: "move it to source.resources[0].endpoint.paginator"},
			{Path: "source.resources[0].cursor_path", Line: 9, Hint: "source.resources[0].endpoint.incremental.cursor_path"},
			{Path: "source.resources[0].endpoint.selected", Line: 10, Hint: "move it up to source.resources[0].selected"},
			{Path: "source.resources[0].endpoint.base_url", Line: 10, Hint: "source.client.base_url"},
		}},
		{"type errors", `pipeline: {name: p, destination: {type: mysql, path: 3}}
source:
  client: {base_url: "https://x.test/", headers: [a], concurrency: many, retry: {timeout: 0, backoff_factor: -1}}
  resources:
    - name: a
      primary_key: {id: 1}
      include_from_parent: id
      write_disposition: 5
      processing_steps: {filter: x}
      limits: {timeout_ms: 0}
      endpoint:
        params: [a]
        data: 5
        response_actions: [{status_code: 999}, ignore]
        incremental: {initial_value: 1, end_value: 5, row_order: up}
    - name: b
      columns: {id: {data_type: integer, nullable: maybe}}
      endpoint: {headers: {A: null}, json: {a: 1}, data: {b: 2}, paginator: 5, auth: [x]}
`, []want{
			{Path: "pipeline.destination.type", Line: 1, Msg: "expected one of: sqlite, duckdb"},
			{Path: "pipeline.destination.path", Line: 1, Msg: "expected a string, got a number"},
			{Path: "source.client.headers", Line: 3, Msg: "expected an object of header names to values, got a list"},
			{Path: "source.client.concurrency", Line: 3, Msg: "expected an integer, got a string"},
			{Path: "source.client.retry.timeout", Line: 3, Msg: "must be greater than 0"},
			{Path: "source.client.retry.backoff_factor", Line: 3, Msg: "must not be negative"},
			{Path: "source.resources[0].primary_key", Line: 6, Msg: "expected a list of strings or a string, got an object"},
			{Path: "source.resources[0].include_from_parent", Line: 7, Msg: "expected a list of strings, got a string", Hint: "[id]"},
			{Path: "source.resources[0].write_disposition", Line: 8, Msg: "expected one of: append, replace, merge, skip, or an object"},
			{Path: "source.resources[0].processing_steps", Line: 9, Msg: "expected a list of steps"},
			{Path: "source.resources[0].limits.timeout_ms", Line: 10, Msg: "must be at least 1"},
			{Path: "source.resources[0].endpoint.params", Line: 12, Msg: "expected an object of query parameters, got a list"},
			{Path: "source.resources[0].endpoint.data", Line: 13, Msg: "expected an object, a list of [key, value] pairs or a string"},
			{Path: "source.resources[0].endpoint.response_actions[0].status_code", Line: 14, Msg: "999 is not an HTTP status code"},
			{Path: "source.resources[0].endpoint.response_actions[0]", Line: 14, Msg: `missing required field "action"`},
			{Path: "source.resources[0].endpoint.response_actions[1]", Line: 14, Msg: "expected an object {status_code, content, action}"},
			{Path: "source.resources[0].endpoint.incremental", Line: 15, Msg: `missing required field "cursor_path"`},
			{Path: "source.resources[0].endpoint.incremental.row_order", Line: 15, Msg: "expected one of: asc, desc"},
			{Path: "source.resources[1].columns.id.data_type", Line: 17, Msg: "expected one of: text, bigint"},
			{Path: "source.resources[1].columns.id.nullable", Line: 17, Msg: "expected true or false"},
			{Path: "source.resources[1].endpoint.headers.A", Line: 18, Msg: "expected a string, got null"},
			{Path: "source.resources[1].endpoint.data", Line: 18, Msg: "Cannot use both 'json' and 'data'"},
			{Path: "source.resources[1].endpoint.paginator", Line: 18, Msg: "expected a paginator type name or an object with type, got a number"},
			{Path: "source.resources[1].endpoint.auth", Line: 18, Msg: "expected an auth type name"},
		}},
		{"dependencies", head + `  resources:
    - name: a
      endpoint: "a/{resources.c.id}"
    - name: b
      endpoint:
        path: "b/{resources.a}/{resources.b.id}"
    - name: c
      endpoint:
        path: "c/{resources.b.id}/{page}/{other.x}/{incremental.start_value}"
        params: {q: "{unknown.posts.id}", s: "{incremental.last_value}", p: {type: resolve, resource: a, field: id}}
        json: {k: "{resources.a.x}"}
    - name: d
      endpoint:
        params:
          x: {type: other}
          i: {type: incremental, cursor_path: u, end_value: 3}
          j: {type: incremental, cursor_path: v}
`, []want{
			// a needs c, c needs a (and b); b needs itself
			{Path: "source.resources[0].name", Line: 5, Msg: "dependency cycle: c -> a -> c"},
			{Path: "source.resources[1].endpoint.path", Line: 9, Msg: "Invalid definition of `resources.a`"},
			{Path: "source.resources[1].name", Line: 7, Msg: "Resource `b` depends on itself"},
			{Path: "source.resources[2].endpoint.path", Line: 12, Msg: "requires a param named 'page'"},
			{Path: "source.resources[2].endpoint.path", Line: 12, Msg: "placeholder `other.x`. This placeholder is not a valid name"},
			{Path: "source.resources[2].endpoint.path", Line: 12, Msg: "uses `incremental.start_value` but the endpoint has no incremental"},
			{Path: "source.resources[2].endpoint.params.q", Line: 13, Msg: "Expression `unknown.posts.id` defined in `params` is not valid. Valid expressions must start with one of: `{'resources'}`"},
			{Path: "source.resources[2].endpoint.params.s", Line: 13, Msg: "Expression `incremental.last_value`", Hint: "needs endpoint.incremental"},
			{Path: "source.resources[2].endpoint.params.p", Line: 13, Msg: "defines resolve params `['p']` that are not bound in path"},
			{Path: "source.resources[2].endpoint", Line: 12, Msg: "Multiple parent resources for resource `c`: `b`, `a`"},
			{Path: "source.resources[3].endpoint.params.x.type", Line: 18, Msg: "Received invalid value `x['type']`=other"},
			{Path: "source.resources[3].endpoint.params.i.end_value", Line: 19, Msg: "Only `start_param` and `initial_value` are allowed"},
			{Path: "source.resources[3].endpoint.params", Line: 18, Msg: "Only a single incremental parameter is allowed per endpoint. Found parameters: `['i', 'j']`"},
		}},
		{"unknown parent with typo hint", head + `  resources:
    - posts
    - {name: comments, endpoint: "p/{resources.post.id}/c"}
`, []want{
			{Path: "source.resources[1].endpoint", Line: 6, Msg: "non existing parent resource `post`", Hint: `did you mean "posts"?`},
		}},
		{"hooks", head + `  resources:
    - name: a
      processing_steps:
        - {filtr: "x"}
        - {map: {js: "a", cel: "b"}}
        - {map: {jss: "a"}}
`, []want{
			{Path: "source.resources[0].processing_steps[0].filtr", Line: 7, Hint: `did you mean "filter"?`},
			{Path: "source.resources[0].processing_steps[1].map", Line: 8, Msg: "a hook needs exactly one of: js, cel, wasm"},
			{Path: "source.resources[0].processing_steps[2].map.jss", Line: 9, Hint: `did you mean "js"?`},
			{Path: "source.resources[0].processing_steps[2].map", Line: 9, Msg: "a hook needs exactly one of"},
		}},
		{"duplicate resource names", head + `  resources:
    - posts
    - posts
    - &c {name: c}
    - *c
`, []want{
			{Path: "source.resources[1]", Line: 6, Msg: "Resource `posts` is already defined", Hint: "line 5"},
			{Path: "source.resources[3].name", Line: 7, Msg: "Resource `c` is already defined"},
		}},
		{"base_url shapes", `pipeline: {name: p}
source:
  client: {base_url: "ftp://x.test/"}
  resources: [a]
`, []want{{Path: "source.client.base_url", Line: 3, Msg: `scheme "ftp"`}}},
		{"localhost without scheme", `pipeline: {name: p}
source:
  client: {base_url: "localhost:8080/api"}
  resources: [a]
`, []want{{Path: "source.client.base_url", Line: 3, Hint: "add https://"}}},
		{"defaults problems reported once", head + `  resource_defaults: {selected: nope}
  resources: [a, b, c]
`, []want{{Path: "source.resource_defaults.selected", Line: 4, Msg: "expected true or false"}}},
		{"auto paginator with args", head + `  resources:
    - name: a
      endpoint: {paginator: {next_url_path: x}}
    - name: b
      endpoint: {paginator: {type: auto, x: 1}}
`, []want{
			{Path: "source.resources[0].endpoint.paginator.type", Line: 6, Msg: `missing field "type"`},
			{Path: "source.resources[1].endpoint.paginator.type", Line: 8, Msg: `the "auto" paginator takes no other fields`},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, probs := parse(t, tt.src, nil, false)
			checkProblems(t, probs, tt.wants, true)
		})
	}
}

func TestRegistryProblems(t *testing.T) {
	head := "pipeline: {name: p}\nsource:\n"
	tests := []struct {
		name  string
		src   string
		wants []want
	}{
		{"unknown paginator type lists known types", head + `  client: {base_url: "https://x.test/", paginator: json_lnk}
  resources:
    - name: a
      endpoint:
        paginator:
          type: cursr
`, []want{
			{Path: "source.client.paginator.type", Line: 3, Msg: `unknown paginator type "json_lnk"; known types: header_link, js, json_link, offset, page_number, single_page`, Hint: `did you mean "json_link"?`},
			{Path: "source.resources[0].endpoint.paginator.type", Line: 8, Msg: `unknown paginator type "cursr"; known types: header_link, js, json_link`},
		}},
		{"bad arg at its line", head + `  client:
    base_url: "https://x.test/"
    paginator:
      type: json_link
      next_url_path: 5
      next_url: x
  resources:
    - name: a
      endpoint:
        paginator: {type: offset, offset_param: o}
    - name: b
      endpoint:
        paginator: offset
`, []want{
			{Path: "source.client.paginator.next_url_path", Line: 7, Msg: "expected a string, got number 5"},
			{Path: "source.client.paginator.next_url", Line: 8, Msg: "unknown field", Hint: `did you mean "next_url_path"?`},
			{Path: "source.resources[0].endpoint.paginator.limit", Line: 12, Msg: "required"},
			{Path: "source.resources[1].endpoint.paginator.limit", Line: 15, Msg: "required"},
		}},
		{"auth problems", head + `  client:
    base_url: "https://x.test/"
    auth: {type: oauth3}
  resource_defaults:
    endpoint:
      auth: {tokn: abc}
  resources:
    - name: a
    - name: b
      endpoint: {auth: bearer}
`, []want{
			{Path: "source.client.auth.type", Line: 5, Msg: `unknown auth type "oauth3"; known types: api_key, bearer, http_basic`},
			{Path: "source.resource_defaults.endpoint.auth.token", Line: 8, Msg: "required"},
			{Path: "source.resource_defaults.endpoint.auth.tokn", Line: 8, Msg: "unknown field", Hint: `did you mean "token"?`},
			{Path: "source.resources[1].endpoint.auth.token", Line: 12, Msg: "required"},
		}},
		{"a missing variable is the only problem at its value", head + `  client:
    base_url: "https://x.test/"
    auth: {type: api_key, api_key: "${KEY}", location: "${LOC}"}
  resources: [a]
`, []want{
			{Path: "source.client.auth.api_key", Line: 5, Msg: "missing value for ${KEY}"},
			{Path: "source.client.auth.location", Line: 5, Msg: "missing value for ${LOC}"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, probs := parse(t, tt.src, nil, true)
			checkProblems(t, probs, tt.wants, true)
		})
	}
}

// ---------------------------------------------------------------- small parts

func TestProblemString(t *testing.T) {
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{Path: "a.b", Line: 3, Column: 4, Msg: "bad", Hint: "fix"}, "a.b (line 3, col 4): bad; hint: fix"},
		{Problem{Path: "a.b", Msg: "bad"}, "a.b: bad"},
		{Problem{Line: 2, Column: 1, Msg: "bad"}, "line 2, col 1: bad"},
		{Problem{Msg: "bad"}, "bad"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{"": "*****", "ab": "*****", "abc": "a*****c", "secret": "s*****t"} {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestClosest(t *testing.T) {
	cands := []string{"paginator", "params", "path", "data_selector", "json"}
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"paginatr", "paginator", true},
		{"Params", "params", true},
		{"data-selector", "data_selector", true},
		{"jsno", "json", true},
		{"pth", "path", true},
		{"zzzzzz", "", false},
		{"x", "", false},
	}
	for _, tt := range tests {
		got, ok := closest(tt.in, cands)
		if got != tt.want || ok != tt.ok {
			t.Errorf("closest(%q) = %q, %v", tt.in, got, ok)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), Options{})
	var ps Problems
	if err == nil || errors.As(err, &ps) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v", err)
	}
}

// ---------------------------------------------------------------- typed hooks

func TestHooks(t *testing.T) {
	f, probs := load(t, fixture("valid/hooks.yaml"), nil, false)
	if probs != nil {
		t.Fatalf("unexpected problems:\n%v", probs)
	}
	r := f.Source.Resources[0]
	steps := "source.resources[0].processing_steps"
	wantSteps := []ProcessingStep{
		{Kind: "filter", Hook: Hook{Engine: "js", Source: "item.active", Path: steps + "[0].filter", Pos: Pos{10, 19}}, Path: steps + "[0]", Pos: Pos{10, 11}},
		{Kind: "map", Hook: Hook{Engine: "cel", Source: "item", Path: steps + "[1].map", Pos: Pos{11, 16}}, Path: steps + "[1]", Pos: Pos{11, 11}},
		{Kind: "flat_map", Hook: Hook{Engine: "wasm", Module: "plugins/split.wasm", Dir: filepath.Dir(fixture("valid/hooks.yaml")), Config: map[string]any{"field": "tags"},
			Path: steps + "[2].flat_map", Pos: Pos{12, 21}}, Path: steps + "[2]", Pos: Pos{12, 11}},
		{Kind: "yield_map", Hook: Hook{Engine: "js", Source: "[item, item]", Path: steps + "[3].yield_map", Pos: Pos{13, 22}}, Path: steps + "[3]", Pos: Pos{13, 11}},
		// one entry with two functions: dlt's fixed order, filter first
		{Kind: "filter", Hook: Hook{Engine: "js", Source: "item.ok", Path: steps + "[4].filter", Pos: Pos{14, 33}}, Path: steps + "[4]", Pos: Pos{14, 11}},
		{Kind: "map", Hook: Hook{Engine: "js", Source: "item", Path: steps + "[4].map", Pos: Pos{14, 17}}, Path: steps + "[4]", Pos: Pos{14, 11}},
	}
	if !reflect.DeepEqual(r.ProcessingSteps, wantSteps) {
		t.Errorf("steps:\n got %+v\nwant %+v", r.ProcessingSteps, wantSteps)
	}

	ras := r.Endpoint.ResponseActions
	if len(ras) != 6 {
		t.Fatalf("response actions = %+v", ras)
	}
	ra := "source.resources[0].endpoint.response_actions"
	checks := []struct {
		i       int
		codes   []StatusMatch
		content string
		engine  string
		source  string
		line    int
	}{
		{0, []StatusMatch{{Code: 404}}, "", "ignore", "", 18},
		{1, []StatusMatch{{Code: 404}, {Code: 410}}, "gone", "ignore", "", 19},
		{2, []StatusMatch{{Class: 5}}, "", "retry", "", 20},
		{3, nil, "quota exceeded", "fail", "", 21},
		{4, []StatusMatch{{Code: 200}}, "", "js", "response.body.error ? 'fail' : 'continue'", 22},
		{5, nil, "", "js", "response", 23},
	}
	for _, c := range checks {
		a := ras[c.i]
		if !reflect.DeepEqual(a.StatusCodes, c.codes) || a.Content != c.content || a.Action.Engine != c.engine ||
			a.Action.Source != c.source || a.Pos.Line != c.line || a.Path != indexPath(ra, c.i) {
			t.Errorf("response action %d = %+v", c.i, a)
		}
	}
	if !ras[0].Action.Builtin() || ras[4].Action.Builtin() || ras[4].Action.Path != ra+"[4].action" || ras[5].Action.Path != ra+"[5]" {
		t.Errorf("actions: %+v, %+v, %+v", ras[0].Action, ras[4].Action, ras[5].Action)
	}

	lag := 3600.0
	wantInc := &Incremental{
		CursorPath: "updated_at", InitialValue: "2024-01-01T00:00:00Z", EndValue: "2024-06-01T00:00:00+02:00",
		LastValueFunc: "max", PrimaryKey: []string{}, HasPrimaryKey: true, RowOrder: "asc", OnCursorValueMissing: "exclude",
		Lag: &lag, RangeStart: "open", RangeEnd: "closed",
		Convert: &Hook{Engine: "cel", Source: "timestamp(value)", Path: "source.resources[0].endpoint.incremental.convert", Pos: Pos{35, 20}},
		Path:    "source.resources[0].endpoint.incremental", Pos: Pos{25, 11},
	}
	if !reflect.DeepEqual(r.Endpoint.Incremental, wantInc) {
		t.Errorf("incremental:\n got %+v\nwant %+v", r.Endpoint.Incremental, wantInc)
	}
	pi := f.Source.Resources[1].Endpoint.ParamIncremental
	if pi == nil || pi.Param != "since" || pi.CursorPath != "$.meta.seq" || pi.InitialValue != 10 ||
		pi.Path != "source.resources[1].endpoint.params.since" || pi.Pos.Line != 40 || f.Source.Resources[1].Endpoint.Incremental != nil {
		t.Errorf("param incremental = %+v", pi)
	}
}

func TestStatusMatch(t *testing.T) {
	a := ResponseAction{StatusCodes: []StatusMatch{{Code: 404}, {Class: 5}}, Content: "gone"}
	tests := []struct {
		status int
		body   string
		want   bool
	}{
		{404, "it is gone", true},
		{404, "here", false},
		{503, "gone away", true},
		{410, "gone", false},
	}
	for _, tt := range tests {
		if got := a.Matches(tt.status, tt.body); got != tt.want {
			t.Errorf("Matches(%d, %q) = %v", tt.status, tt.body, got)
		}
	}
	if (&ResponseAction{}).Matches(200, "") != true {
		t.Error("an action without matchers must match every response")
	}
}

func TestCompareCursor(t *testing.T) {
	tests := []struct {
		a, b any
		want int
		ok   bool
	}{
		{1, 2, -1, true},
		{2.5, 2, 1, true},
		{"b", "a", 1, true},
		{"2024-01-01T02:00:00+02:00", "2024-01-01T00:00:00Z", 1, true}, // text order, as the cursor filters (dlt)
		{"2024-01-02", "2024-01-01T00:00:00Z", 1, true},
		{true, false, 1, true},
		{1, "1", 0, false},
		{"x", false, 0, false},
	}
	for _, tt := range tests {
		got, ok := cursorvalue.Compare(tt.a, tt.b)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Compare(%v, %v) = %d, %v; want %d, %v", tt.a, tt.b, got, ok, tt.want, tt.ok)
		}
	}
}

// builtinRegistries are this build's real paginators and auths.
func builtinRegistries() *extension.Registries {
	r := extension.NewRegistries()
	builtin.Register(r)
	return r
}

// TestRunRejects: what run refuses for the file itself is a problem at
// validate time, each with its path and line.
func TestRunRejects(t *testing.T) {
	f, err := Load(fixture("broken/run_rejects.yaml"), Options{Registries: builtinRegistries(), LookupEnv: envOf(nil)})
	probs := asProblems(t, f, err)
	checkProblems(t, probs, []want{
		{Path: "source.client.base_url", Line: 5, Msg: `base_url "http//api.example.com/" has no scheme`, Hint: `did you mean "http://api.example.com/"?`},
		{Path: "source.client.paginator.limit", Line: 6, Msg: `is required (the number of records per page)`},
		{Path: "source.client.auth.location", Line: 7, Msg: `must be header, query or cookie, got "body"`},
		{Path: "source.resources[0].endpoint.data_selector", Line: 11, Msg: `invalid JSONPath "$.data[?("`},
		{Path: "source.resources[0].endpoint.incremental.end_value", Line: 12, Msg: "Incremental `initial_value=10` is higher than `end_value=5`", Hint: "last_value_func: min"},
		{Path: "source.resources[1].endpoint.paginator.page", Line: 15, Msg: `must not be below base_page (1)`},
		{Path: "source.resources[1].endpoint.incremental.end_value", Line: 16, Msg: "is lower than `end_value=2025-01-01T00:00:00Z`"},
		{Path: "source.resources[2].endpoint", Line: 18, Msg: `invalid URL escape "%zz"`},
		{Path: "source.resources[2].endpoint.incremental.end_value", Line: 19, Msg: `end_value "2025-01-01" (a string) cannot be compared with initial_value 1 (a number)`},
		{Path: "source.resources[2].endpoint.response_actions[0].action", Line: 21, Msg: `unknown action "ignor"`, Hint: `did you mean "ignore"?`},
		{Path: "source.resources[2].endpoint.response_actions[1].action", Line: 22, Msg: "action ignore needs status_code or content"},
		{Path: "source.resources[2].endpoint.response_actions[2].status_code", Line: 23, Msg: "expected a status code (404), a class (4xx)"},
		{Path: "source.resources[2].processing_steps[0].filter", Line: 26, Msg: "a hook needs exactly one of: js, cel, wasm (got js, cel)"},
		{Path: "source.resources[2].processing_steps[1].map", Line: 27, Msg: "a hook must not be empty"},
	}, true)
}

func TestHookProblems(t *testing.T) {
	head := "pipeline: {name: p}\nsource:\n  client: {base_url: \"https://x.test/\"}\n  resources:\n    - name: a\n"
	tests := []struct {
		name  string
		src   string
		wants []want
	}{
		{"hook shapes", head + `      processing_steps:
        - filter: 5
        - map: {wasm: m.wasm, config: [1]}
        - flat_map: {jss: "x"}
        - {}
        - filter: null
`, []want{
			{Path: "source.resources[0].processing_steps[0].filter", Line: 7, Msg: "expected a JavaScript expression or {js: …}, {cel: …}, {wasm: …}, got a number"},
			{Path: "source.resources[0].processing_steps[1].map.config", Line: 8, Msg: "expected an object, got a list"},
			{Path: "source.resources[0].processing_steps[2].flat_map.jss", Line: 9, Msg: `unknown field "jss"`, Hint: `did you mean "js"?`},
			{Path: "source.resources[0].processing_steps[2].flat_map", Line: 9, Msg: "a hook needs exactly one of: js, cel, wasm"},
			{Path: "source.resources[0].processing_steps[3]", Line: 10, Msg: "a step needs one of: filter, map, flat_map"},
			{Path: "source.resources[0].processing_steps[4].filter", Line: 11, Msg: "got null"},
		}},
		{"response action shapes", head + `      endpoint:
        response_actions:
          - {status_code: 404, action: ignore, js: "x"}
          - {status_code: [], action: ignore}
          - {status_code: [[404]], action: ignore}
          - {status_code: 404, action: "response.status == 404 ? 'ignore' : 'continue'"}
          - {status_code: "404", action: {cel: "'ignore'"}, content: 5}
`, []want{
			{Path: "source.resources[0].endpoint.response_actions[0].action", Line: 8, Msg: "either action or a hook"},
			{Path: "source.resources[0].endpoint.response_actions[1].status_code", Line: 9, Msg: "must not be an empty list"},
			{Path: "source.resources[0].endpoint.response_actions[2].status_code[0]", Line: 10, Msg: "expected a status code (404) or a class (4xx), got a list"},
			{Path: "source.resources[0].endpoint.response_actions[4].content", Line: 12, Msg: "expected a string, got a number"},
		}},
		{"incremental shapes", head + `      endpoint:
        incremental:
          cursor_path: "$.a[?("
          initial_value: {a: 1}
          lag: -1
          convert: "x"
          transform: "y"
          allow_external_schedulers: maybe
        params:
          since: {type: incremental, cursor_path: id, end_value: 3}
`, []want{
			{Path: "source.resources[0].endpoint.incremental.cursor_path", Line: 8, Msg: `invalid JSONPath "$.a[?("`},
			{Path: "source.resources[0].endpoint.incremental.initial_value", Line: 9, Msg: "expected a string, a number or a timestamp, got an object"},
			{Path: "source.resources[0].endpoint.incremental.lag", Line: 10, Msg: "lag must be a finite number not below 0"},
			{Path: "source.resources[0].endpoint.incremental.transform", Line: 12, Msg: "transform is the old name of convert"},
			{Path: "source.resources[0].endpoint.incremental.allow_external_schedulers", Line: 13, Msg: "expected true or false"},
			{Path: "source.resources[0].endpoint.params.since.end_value", Line: 15, Msg: "Only `start_param` and `initial_value` are allowed in the configuration of param: `since`"},
		}},
		{"headers net/http cannot send", "pipeline: {name: p}\nsource:\n  client: {base_url: \"https://x.test/\", headers: {\"X Bad\": 1, \"X-Ok\": \"a\\nb\"}}\n  resources: [{name: a, endpoint: {headers: {\"X:C\": d, \"X-{{n}}\": e}}}]\n", []want{
			{Path: `source.client.headers["X Bad"]`, Line: 3, Msg: `"X Bad" is not a valid header name`},
			{Path: "source.client.headers.X-Ok", Line: 3, Msg: "the value of header X-Ok has a control character (a line break?) at byte 1"},
			{Path: `source.resources[0].endpoint.headers["X:C"]`, Line: 4, Msg: `"X:C" is not a valid header name`},
		}},
		{"blank table names", head + "      table_name: \"__\"\n    - name: \"  \"\n", []want{
			{Path: "source.resources[0].table_name", Line: 6, Msg: `"__" gives no table name`},
			{Path: "source.resources[1].name", Line: 7, Msg: `"  " gives no table name`},
		}},
		{"empty base_url and a relative path", "pipeline: {name: p}\nsource:\n  client: {base_url: \"\"}\n  resources: [a]\n", []want{
			{Path: "source.client.base_url", Line: 3, Msg: `base_url is empty and resource a has the relative path "a"`},
		}},
		{"relative base_url", "pipeline: {name: p}\nsource:\n  client: {base_url: \"https//x.test/v1\"}\n  resources: [a]\n", []want{
			{Path: "source.client.base_url", Line: 3, Msg: "has no scheme", Hint: `did you mean "https://x.test/v1"?`},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, probs := parse(t, tt.src, nil, false)
			checkProblems(t, probs, tt.wants, true)
		})
	}
}

// ---------------------------------------------------------------- unsupported

func TestUnsupported(t *testing.T) {
	type w struct {
		Path     string
		Line     int
		Resource string
		Feature  string
	}
	tests := []struct {
		file string
		want []w
	}{
		{"valid/plain.yaml", nil},
		{"valid/github.yaml", nil},
		{"valid/hooks.yaml", nil}, // wasm hooks run since the WASM engine
		{"valid/defaults.yaml", []w{
			{"pipeline.destination", 4, "", "destination: duckdb"},
		}},
		{"valid/hints.yaml", []w{
			{"source.resources", 6, "", "selected: false"},
			{"source.resources[0].schema_contract", 7, "a", "schema_contract"},
			{"source.resources[0].references", 8, "a", "references"},
			{"source.resources[0].table_format", 9, "a", "table_format"},
			{"source.resources[0].file_format", 10, "a", "file_format"},
			{"source.resources[0].parent_table_name", 11, "a", "parent_table_name"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			// hooks.yaml names a wasm module that is not built here: its
			// hooks are checked by the engines' own tests, the file's
			// warnings without the registries
			withRegistries := tt.file != "valid/hooks.yaml"
			f, probs := load(t, fixture(tt.file), map[string]string{"GITHUB_TOKEN": "ghp_abcdef123456", "API_TOKEN": "tok-123456"}, withRegistries)
			if probs != nil {
				t.Fatal(probs)
			}
			var got []w
			for _, x := range f.Unsupported() {
				got = append(got, w{x.Path, x.Line, x.Resource, x.Feature})
				if !strings.Contains(x.Msg, x.Feature) && x.Feature != "a parent resource (issues)" && x.Feature != "selected: false" {
					t.Errorf("message %q does not name %q", x.Msg, x.Feature)
				}
				if x.Resource != "" && !strings.Contains(x.Msg, "resource "+x.Resource) {
					t.Errorf("message %q does not name resource %s", x.Msg, x.Resource)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Unsupported():\n got %v\nwant %v", got, tt.want)
			}
		})
	}
	// a Resource built by hand: the warning points at the resource
	r := &Resource{Name: "x", Path: "source.resources[3]", Pos: Pos{9, 7}, WriteDisposition: "merge", MergeStrategy: "scd2", Selected: true,
		ProcessingSteps: []ProcessingStep{{Kind: "filter", Hook: Hook{Engine: EngineWASM, Path: "source.resources[3].processing_steps[0].filter", Pos: Pos{12, 9}}}}}
	ws := (&File{Source: Source{Resources: []*Resource{r}}}).Unsupported()
	if len(ws) != 1 || ws[0].Path != "source.resources[3]" || ws[0].Line != 9 || ws[0].Feature != "write_disposition: {disposition: merge, strategy: scd2}" {
		t.Errorf("hand-built: %+v", ws)
	}
	if s := ws[0].String(); !strings.HasPrefix(s, "source.resources[3] (line 9, col 7): resource x uses write_disposition: {disposition: merge, strategy: scd2}: sluice does not do the scd2 strategy yet; use strategy delete-insert") {
		t.Errorf("String() = %q", s)
	}
}

// TestSecretsFromSpecs: the literal values of the fields an auth's Spec
// marks secret are secrets, mistyped ones too; its other fields (a token
// URL, a header name) are not, so they stay readable in messages.
func TestSecretsFromSpecs(t *testing.T) {
	src := `pipeline: {name: p}
source:
  client:
    base_url: "https://api.example.com/"
    auth: {type: oauth2_client_credentials, access_token_url: "https://auth.example.com/token", client_id: cl1ent-id, client_secret: s3cret-value}
  resources:
    - name: a
      endpoint: {auth: {type: api_key, name: X-Api-Key, api_key: "12345678"}}
`
	f, err := Parse([]byte(src), "p.yaml", t.TempDir(), Options{Registries: builtinRegistries(), LookupEnv: envOf(nil)})
	if err != nil {
		t.Fatal(err)
	}
	mistyped := strings.Replace(src, `api_key: "12345678"`, `api_key: 12345678`, 1)
	_, err = Parse([]byte(mistyped), "p.yaml", t.TempDir(), Options{Registries: builtinRegistries(), LookupEnv: envOf(nil)})
	if err == nil || !strings.Contains(err.Error(), "api_key") || strings.Contains(err.Error(), "12345678") {
		t.Fatalf("a mistyped api_key: %v (want a problem that does not print it)", err)
	}
	for _, want := range []string{"cl1ent-id", "s3cret-value", "12345678"} {
		if !slices.Contains(f.Secrets, want) {
			t.Errorf("secrets %q lack %q", f.Secrets, want)
		}
	}
	for _, not := range []string{"https://auth.example.com/token", "X-Api-Key", "oauth2_client_credentials"} {
		if slices.Contains(f.Secrets, not) {
			t.Errorf("%q counts as a secret", not)
		}
	}
}
