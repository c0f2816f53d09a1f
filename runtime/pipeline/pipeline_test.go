package pipeline

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/runtime/config"
	"github.com/sluicehq/sluice/runtime/state"
)

func TestResolve(t *testing.T) {
	t.Setenv(state.EnvPipelinesDir, "/env/pipelines")
	tests := []struct {
		name string
		file config.Pipeline
		opts Options
		want Settings
	}{
		{
			name: "defaults from the pipeline name",
			file: config.Pipeline{Name: "gh"},
			want: Settings{Destination: "sqlite", DBPath: "gh.db", Dataset: "gh_dataset", PipelinesDir: "/env/pipelines"},
		},
		{
			name: "the file's values",
			file: config.Pipeline{Name: "gh", DestinationPath: "data/x.db", Dataset: "d", PipelinesDir: "/p"},
			want: Settings{Destination: "sqlite", DBPath: "data/x.db", Dataset: "d", PipelinesDir: "/p"},
		},
		{
			name: "flags win over the file",
			file: config.Pipeline{Name: "gh", DestinationPath: "data/x.db", Dataset: "d", PipelinesDir: "/p"},
			opts: Options{DBPath: "y.db", Dataset: "e", PipelinesDir: "/q"},
			want: Settings{Destination: "sqlite", DBPath: "y.db", Dataset: "e", PipelinesDir: "/q"},
		},
		{
			name: "duckdb gets its own extension",
			file: config.Pipeline{Name: "gh", Destination: "duckdb"},
			want: Settings{Destination: "duckdb", DBPath: "gh.duckdb", Dataset: "gh_dataset", PipelinesDir: "/env/pipelines"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Destinations = testDestinations()
			got := Resolve(&config.File{Pipeline: tt.file}, &tt.opts)
			if got != tt.want {
				t.Errorf("Resolve() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestRefuseUnsupported(t *testing.T) {
	tests := []struct {
		name string
		r    config.Resource
		want []string // substrings of the error; none: no error
	}{
		{"plain append", config.Resource{Name: "a", WriteDisposition: "append"}, nil},
		{"merge", config.Resource{Name: "a", WriteDisposition: "merge", MergeStrategy: "delete-insert"}, nil},
		{"scd2", config.Resource{Name: "a", WriteDisposition: "merge", MergeStrategy: "scd2"}, []string{"resource a uses write_disposition: {disposition: merge, strategy: scd2}: sluice does not do the scd2 strategy yet"}},
		{"js, cel and wasm hooks", config.Resource{Name: "a", ProcessingSteps: []config.ProcessingStep{{Kind: "filter", Hook: config.Hook{Engine: "js"}}, {Kind: "map", Hook: config.Hook{Engine: "cel"}}, {Kind: "map", Hook: config.Hook{Engine: "wasm"}}}}, nil},
		{"dependent", config.Resource{Name: "a", Parent: "b", IncludeFromParent: []string{"id"}}, nil},
		{"incremental", config.Resource{Name: "a", Endpoint: config.Endpoint{Incremental: &config.Incremental{CursorPath: "id"}}}, nil},
		{"table hints", config.Resource{Name: "a", Extra: map[string]any{"schema_contract": "freeze", "nested_hints": map[string]any{}}},
			[]string{"resource a uses schema_contract"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &config.File{Source: config.Source{Resources: []*config.Resource{&tt.r}}}
			err := refuseUnsupported(f, f.Source.Resources)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("error = %v, want a UsageError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "nested_hints") {
				t.Errorf("nested_hints is refused: %v", err)
			}
		})
	}
	// only the resources that run are refused
	f := &config.File{Source: config.Source{Resources: []*config.Resource{{Name: "a"}, {Name: "b", WriteDisposition: "merge", MergeStrategy: "scd2"}}}}
	if err := refuseUnsupported(f, f.Source.Resources[:1]); err != nil {
		t.Errorf("resource a refused for b's scd2: %v", err)
	}
}

func TestLoadIDsIncrease(t *testing.T) {
	st := state.New("p")
	now := time.Unix(1700000000, 0)
	first := newLoadID(now, st)
	st.Local = map[string]any{"last_load_id": first}
	// A clock that did not move (or went back) still gives a larger id.
	second := newLoadID(now.Add(-time.Second), st)
	a, _ := strconv.ParseFloat(first, 64)
	b, _ := strconv.ParseFloat(second, 64)
	if !(b > a) {
		t.Fatalf("load ids %s then %s do not increase", first, second)
	}
}
