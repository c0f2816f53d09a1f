package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/sluicehq/sluice/runtime/extension"
)

// lifecycleProbe records what the engine does with the test-only
// paginator type "probe": how often it is parsed, built and closed, and
// what its Build and every call got.
type lifecycleProbe struct {
	mu      sync.Mutex
	parsed  int
	built   int
	closed  int
	envs    []extension.Env
	kvSeen  []any
	ctxLost int
}

// register adds "probe": a page_number-like paginator that needs a
// context, a key-value store and a close, registered exactly like the
// built-ins (one registrar).
func (p *lifecycleProbe) register(r *extension.Registries) {
	r.Paginators.Register("probe", extension.Spec{
		Summary: "test-only: count pages up to pages",
		Fields:  []extension.Field{{Name: "pages", Type: extension.TypeInt, Required: true, Doc: "how many pages"}},
	}, func(a *extension.Args) (extension.Builder[extension.PaginatorFactory], error) {
		p.mu.Lock()
		p.parsed++
		p.mu.Unlock()
		pages, ok := a.OptInt("pages")
		if !ok {
			a.Fail("pages", "is required")
		}
		return extension.BuilderFunc[extension.PaginatorFactory](func(ctx context.Context, env *extension.Env) (extension.PaginatorFactory, error) {
			if ctx == nil || ctx.Done() == nil {
				return nil, errors.New("Build got no cancellable context")
			}
			runs, _ := env.KV.Get("runs")
			if err := env.KV.Set("runs", fmt.Sprint(runs)+"+"); err != nil {
				return nil, err
			}
			p.mu.Lock()
			p.built++
			p.envs = append(p.envs, *env)
			p.kvSeen = append(p.kvSeen, runs)
			p.mu.Unlock()
			return &probeFactory{probe: p, pages: int(pages)}, nil
		}), nil
	})
}

type probeFactory struct {
	probe *lifecycleProbe
	pages int
}

func (f *probeFactory) NewPaginator(ctx context.Context) (extension.Paginator, error) {
	return &probePaginator{f: f}, nil
}

// Close is what the engine must call once the run is over.
func (f *probeFactory) Close() error {
	f.probe.mu.Lock()
	f.probe.closed++
	f.probe.mu.Unlock()
	return nil
}

type probePaginator struct {
	f    *probeFactory
	page int
}

func (p *probePaginator) check(ctx context.Context) {
	if ctx == nil || ctx.Done() == nil {
		p.f.probe.mu.Lock()
		p.f.probe.ctxLost++
		p.f.probe.mu.Unlock()
	}
}

func (p *probePaginator) Init(ctx context.Context, req *extension.Request) error {
	p.check(ctx)
	p.page = 1
	return nil
}

func (p *probePaginator) Next(ctx context.Context, _ *extension.Response, _ int, req *extension.Request) (bool, error) {
	p.check(ctx)
	if p.page >= p.f.pages {
		return false, nil
	}
	p.page++
	req.Query = map[string][]string{"page": {strconv.Itoa(p.page)}}
	return true, nil
}

// TestExtensionLifecycle shows that an engine is added as new code only:
// a paginator type registered like the built-ins is parsed (only) by
// validate, built once per resource by run with the resource's
// environment, called with the run's context, closed after the run, and
// its key-value store comes back in the next run.
func TestExtensionLifecycle(t *testing.T) {
	probe := &lifecycleProbe{}
	saved := registrars
	registrars = append(append([]func(*extension.Registries){}, saved...), probe.register)
	t.Cleanup(func() { registrars = saved })

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page := r.URL.Query().Get("page")
		if page == "" {
			page = "1"
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `[{"id": %s1}, {"id": %s2}]`, page, page)
	}))
	defer srv.Close()
	path := writePipeline(t, fmt.Sprintf(`
pipeline: {name: lifecycle}
source:
  client: {base_url: "%s"}
  resources:
    - name: items
      endpoint: {path: items, paginator: {type: probe, pages: 3}}
      limits: {timeout_ms: 250}
`, srv.URL))
	dir := filepath.Dir(path)
	db := filepath.Join(dir, "out.db")

	if code, _, stderr := sluice(t, "validate", path); code != 0 {
		t.Fatalf("validate exit %d: %s", code, stderr)
	}
	if probe.parsed == 0 || probe.built != 0 {
		t.Fatalf("validate parsed %d times and built %d times; want parse only", probe.parsed, probe.built)
	}
	if code, _, stderr := sluice(t, "validate", writePipeline(t, `
pipeline: {name: x}
source:
  client: {base_url: "http://127.0.0.1:1", paginator: {type: probe}}
  resources: [items]
`)); code != 2 || !strings.Contains(stderr, "source.client.paginator.pages") {
		t.Fatalf("validate of a probe without pages: exit %d: %s", code, stderr)
	}

	for run := 1; run <= 2; run++ {
		code, stdout, stderr := sluice(t, "run", path, "--db", db, "--pipelines-dir", dir, "--progress", "none")
		if code != 0 {
			t.Fatalf("run %d: exit %d\n%s%s", run, code, stdout, stderr)
		}
		if n := count(t, openDB(t, db), "select count(*) from items"); n != int64(6*run) {
			t.Fatalf("run %d: %d rows in items, want %d (3 pages of 2)", run, n, 6*run)
		}
	}
	if probe.built != 2 || probe.closed != 2 || probe.ctxLost != 0 {
		t.Fatalf("built %d, closed %d, calls without the run's context %d; want 2, 2, 0", probe.built, probe.closed, probe.ctxLost)
	}
	env := probe.envs[0]
	if env.Pipeline != "lifecycle" || env.Resource != "items" || env.Dir != dir || env.Logger == nil || env.Now == nil ||
		env.Limits.Timeout.Milliseconds() != 250 {
		t.Fatalf("Build got env %+v", env)
	}
	if probe.kvSeen[0] != nil || probe.kvSeen[1] != "<nil>+" {
		t.Fatalf("the kv store held %q then %q; want nothing, then what the first run set", probe.kvSeen[0], probe.kvSeen[1])
	}
}
