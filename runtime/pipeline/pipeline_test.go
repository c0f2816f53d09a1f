package pipeline

import (
	"reflect"
	"strconv"
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
			got := Resolve(&config.File{Pipeline: tt.file}, &tt.opts)
			if got != tt.want {
				t.Errorf("Resolve() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestUnsupported(t *testing.T) {
	tests := []struct {
		name string
		r    config.Resource
		want []string
	}{
		{"plain append", config.Resource{WriteDisposition: "append"}, nil},
		{"merge", config.Resource{WriteDisposition: "merge"}, []string{"write_disposition: merge"}},
		{"incremental and steps", config.Resource{
			Endpoint:        config.Endpoint{Incremental: map[string]any{"cursor_path": "id"}},
			ProcessingSteps: []map[string]any{{"filter": "x"}},
		}, []string{"endpoint.incremental", "processing_steps"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := unsupported(&tt.r); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("unsupported() = %v, want %v", got, tt.want)
			}
		})
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
