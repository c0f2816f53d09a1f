package pipeline

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/sluicehq/sluice/builtin"
	"github.com/sluicehq/sluice/runtime/config"
	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/state"
)

// prepareToFirstRequest is everything a run does before its first
// request, short of opening the database: prepare (destination, selection,
// unsupported features, extension points), then each resource's first
// request, paginator and URL, as extract.Extractor.Run and the HTTP
// client build them.
func prepareToFirstRequest(f *config.File, o *Options) error {
	resources, _, err := prepare(f, o)
	if err != nil {
		return err
	}
	ctx := context.Background()
	prepared, _, shared, err := buildResources(ctx, f, o, resources, state.New(f.Pipeline.Name), slog.New(slog.DiscardHandler))
	defer closeResources(prepared, slog.New(slog.DiscardHandler))
	defer shared.CloseAll()
	if err != nil {
		return err
	}
	for _, r := range prepared {
		if r.Config.Parent != "" || r.Config.HasData {
			continue // its first request needs a parent record; no request at all
		}
		req, err := r.FirstRequest()
		if err != nil {
			return err
		}
		if r.Paginators != nil {
			pag, err := r.Paginators.NewPaginator(ctx)
			if err != nil {
				return err
			}
			if err := pag.Init(ctx, req); err != nil {
				return err
			}
		}
		full, err := req.FullURL()
		if err != nil {
			return err
		}
		if u, err := url.Parse(full); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errors.New("resource " + r.Config.Name + ": no http(s) URL: " + full)
		}
	}
	return nil
}

// TestValidateImpliesRun: for every file of testdata/config/valid, a file
// that validates without a warning is not refused by run before its first
// request, and a file with a warning about a resource that runs is
// refused with a usage error (exit 2).
func TestValidateImpliesRun(t *testing.T) {
	reg := extension.NewRegistries()
	builtin.Register(reg)
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "config", "valid", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	anyEnv := func(string) (string, bool) { return "value-from-env", true }
	clean, warned := 0, 0
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f, err := config.Load(path, config.Options{Registries: reg, LookupEnv: anyEnv, Destinations: testDestinations().Names()})
			if err != nil {
				t.Skipf("does not validate with this build's types (so run is not asked): %v", err)
			}
			o := &Options{Registries: reg, Destinations: testDestinations()}
			ws := f.Unsupported()
			err = prepareToFirstRequest(f, o)
			if len(ws) == 0 {
				clean++
				if err != nil {
					t.Fatalf("validate printed no warning, but run refuses: %v", err)
				}
				return
			}
			warned++
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("validate warned %v, but run's preparation gives %v, not a usage error", ws, err)
			}
		})
	}
	if clean == 0 || warned == 0 {
		t.Errorf("%d fixtures validate cleanly and %d with warnings: the test needs both", clean, warned)
	}
}
