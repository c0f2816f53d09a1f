// Package pipeline runs a pipeline file end to end: extract every selected
// resource, normalize its records into dlt's relational tables, and load
// them with the pipeline state into the destination in one transaction.
//
// The three stages overlap. Fetchers (one goroutine per resource, up to the
// client's concurrency) hand pages to one normalizer goroutine over a
// bounded channel; the normalizer hands row batches to the single writer
// over another. What is in flight between them is bounded by the size of
// the response bodies (budget.go, SLUICE_INFLIGHT_BYTES), so a slow
// database slows the fetchers down instead of filling memory, whatever the
// page size.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/sluicehq/sluice/runtime/config"
	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/extract"
	"github.com/sluicehq/sluice/runtime/httpclient"
	"github.com/sluicehq/sluice/runtime/jsondec"
	"github.com/sluicehq/sluice/runtime/load"
	"github.com/sluicehq/sluice/runtime/normalize"
	"github.com/sluicehq/sluice/runtime/redact"
	"github.com/sluicehq/sluice/runtime/schema"
	"github.com/sluicehq/sluice/runtime/state"
)

// SchemaName is the name of the schema a rest_api source writes, as in dlt.
const SchemaName = "rest_api"

// LocalDestinationPath is the key of the local state's _local object that
// remembers the absolute path of the database the last load went to.
const LocalDestinationPath = "destination_path"

// Options are the settings of one run that come from the command line;
// each overrides the file's value when set.
type Options struct {
	Destination  string
	DBPath       string
	Dataset      string
	PipelinesDir string
	// Resources limits the run to these resources; empty means all
	// selected ones.
	Resources []string
	// PageLimit stops each resource after this many pages (0: no limit).
	PageLimit int
	// Version goes into the User-Agent header.
	Version    string
	Registries *extension.Registries
	// Destinations are the destination types of this build; the run opens
	// the one the file or Destination names through it.
	Destinations *destination.Registry
	Logger       *slog.Logger
	Redactor     *redact.Redactor
	// Progress, when set, is called every ProgressInterval and once at
	// the end with the counts so far (progress.go).
	Progress func(Progress)
	// ProgressInterval is how often Progress is called; 0 means once a
	// second.
	ProgressInterval time.Duration
	// Transport replaces the HTTP transport (tests, and a cassette's
	// recorder or replayer).
	Transport http.RoundTripper
	// NoWait drops the client's rate limit and every wait between retries
	// (a cassette replay: a recorded 429 or 5xx answers again at once).
	NoWait bool
	// Now is the clock that hooks see; nil means the wall clock.
	Now func() time.Time
}

// Summary describes a finished load.
type Summary struct {
	Pipeline    string `json:"pipeline"`
	LoadID      string `json:"load_id,omitempty"`
	Destination string `json:"destination"`
	DBPath      string `json:"db"`
	Dataset     string `json:"dataset"`
	// Loaded is false when nothing was extracted and no load package was
	// made (dlt does the same).
	Loaded    bool                       `json:"loaded"`
	Duration  float64                    `json:"duration_seconds"`
	Tables    map[string]int64           `json:"tables"`
	Resources map[string]ResourceSummary `json:"resources"`
}

// ResourceSummary counts what one resource delivered.
type ResourceSummary struct {
	Pages   int64 `json:"pages"`
	Records int64 `json:"records"`
}

// UsageError is a problem with how the run was asked for (an unknown
// resource name, an unsupported destination): exit code 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Settings resolves the destination, database path, dataset and pipelines
// folder of a run from the options, the file and the defaults.
type Settings struct {
	Destination string
	// DBPath is the database file, DSN or bucket URL (see
	// config.Pipeline.DestinationPath).
	DBPath       string
	Dataset      string
	PipelinesDir string
	// Format is the filesystem destination's file format.
	Format string
}

// Resolve works out the settings of a run.
func Resolve(f *config.File, o *Options) Settings {
	s := Settings{
		Destination:  firstNonEmpty(o.Destination, f.Pipeline.Destination, config.DefaultDestination),
		Dataset:      firstNonEmpty(o.Dataset, f.Pipeline.Dataset, f.Pipeline.Name+"_dataset"),
		PipelinesDir: firstNonEmpty(o.PipelinesDir, f.Pipeline.PipelinesDir, state.DefaultRoot()),
	}
	// The default file is <pipeline name><the type's extension>: .db for
	// sqlite, .duckdb for duckdb (a type this build lacks is refused
	// before the path matters). A type located by a URL (postgres,
	// filesystem) has no default.
	s.DBPath = firstNonEmpty(o.DBPath, f.Pipeline.DestinationPath)
	t, ok := o.Destinations.Lookup(s.Destination)
	if s.DBPath == "" && (!ok || !t.URL) {
		ext := "." + s.Destination
		if ok {
			ext = t.Ext
		}
		s.DBPath = f.Pipeline.Name + ext
	}
	s.Format = f.Pipeline.DestinationFormat
	return s
}

// cacheDir is where extensions keep caches between runs: `cache` in the
// pipeline's folder in the pipelines folder, beside its state.
func cacheDir(f *config.File, o *Options) string {
	return filepath.Join(Resolve(f, o).PipelinesDir, f.Pipeline.Name, "cache")
}

// location works out where the destination is: the absolute path of a
// database file (its folder created), or a type's URL as given.
func location(o *Options, set Settings) (string, error) {
	t, ok := o.Destinations.Lookup(set.Destination)
	if ok && t.URL {
		if set.DBPath == "" {
			field := firstNonEmpty(t.Field, "location")
			return "", &UsageError{Msg: fmt.Sprintf("destination %s needs pipeline.destination.%s in the file or --db on the command line", set.Destination, field)}
		}
		return set.DBPath, nil
	}
	dbPath, err := filepath.Abs(set.DBPath)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(dbPath), 0o755); err != nil {
		return "", fmt.Errorf("creating the folder of the database file: %w", err)
	}
	return dbPath, nil
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// Run executes the pipeline file f. On any failure the destination is left
// as it was before the run.
func Run(ctx context.Context, f *config.File, o Options) (*Summary, error) {
	start := time.Now()
	// The run's own context: whatever ends the run — success, a failure,
	// an interrupt — also ends every hook call still in flight.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	set := Resolve(f, &o)
	resources, loaded, err := prepare(f, &o)
	if err != nil {
		return nil, err
	}

	dir, err := state.Open(set.PipelinesDir, f.Pipeline.Name)
	if err != nil {
		return nil, err
	}
	release, err := dir.Lock()
	if errors.Is(err, state.ErrLocked) {
		return nil, fmt.Errorf("pipeline %q is already running (%w). Two runs of one pipeline at once would each commit the state they started from, the later undoing the other's; wait for it to end, or give this run its own pipeline.name", f.Pipeline.Name, err)
	}
	if err != nil {
		return nil, err
	}
	defer release()
	dbPath, err := location(&o, set)
	if err != nil {
		return nil, err
	}
	destType, _ := o.Destinations.Lookup(set.Destination)
	shown := o.Destinations.Display(set.Destination, dbPath)
	dest, err := o.Destinations.Open(ctx, set.Destination, destination.Config{Path: dbPath, Dataset: set.Dataset, Format: set.Format})
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", shown, err)
	}
	defer dest.Close()

	sch, err := load.StoredSchema(ctx, dest, SchemaName)
	if err != nil {
		return nil, fmt.Errorf("reading the stored schema: %w", err)
	}
	if sch == nil {
		sch = schema.New(SchemaName)
	}
	// baseLoad stored the state the run starts from: the commit refuses
	// if another run of the pipeline committed a state since (load.Finish)
	st, baseLoad, err := restoreState(ctx, dest, dir, f.Pipeline.Name)
	if err != nil {
		return nil, err
	}
	loadID := newLoadID(start, st)

	// The client comes first: extensions make their own requests (an
	// OAuth2 token) through its transport and timeout.
	client := httpclient.New(httpOptions(f, &o, log))
	prepared, states, shared, err := buildResources(extension.WithHTTPClient(ctx, client.HTTPClient()), f, &o, resources, st, log)
	defer func() {
		closeResources(prepared, log)
		if err := shared.CloseAll(); err != nil {
			log.Warn("closing the client's auth", "error", err)
		}
	}()
	if err != nil {
		return nil, err
	}

	ex := &extract.Extractor{HTTP: client, Logger: log, Redactor: o.Redactor, PageLimit: o.PageLimit}

	loader := load.New(dest).WithLogger(log)
	if err := loader.Begin(ctx); err != nil {
		return nil, fmt.Errorf("starting the load transaction: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			if err := loader.Rollback(); err != nil {
				log.Warn("rolling back the load", "error", err)
			}
		}
	}()
	// A run that waited for the database's write lock (SQLite) may find
	// that the run it waited for moved the state on: refuse before
	// extracting anything rather than at the commit.
	if err := loader.CheckBase(ctx, f.Pipeline.Name, baseLoad); err != nil {
		return nil, err
	}

	counters := make([]*counter, len(prepared))
	for i, r := range prepared {
		counters[i] = &counter{name: r.Config.Name, start: start}
	}
	stopProgress := startProgress(o.Progress, o.ProgressInterval, start, counters)

	records, err := runStages(ctx, ex, prepared, loaded, counters, sch, loadID, loader, set.Destination, destType.MaxIdentifierLength)
	stopProgress()
	if err != nil {
		return nil, err
	}

	sum := &Summary{
		Pipeline:    f.Pipeline.Name,
		Destination: set.Destination,
		DBPath:      shown,
		Dataset:     set.Dataset,
		Tables:      map[string]int64{},
		Resources:   map[string]ResourceSummary{},
	}
	for _, c := range counters {
		sum.Resources[c.name] = ResourceSummary{Pages: c.pages.Load(), Records: c.records.Load()}
	}
	advanced := false
	for i, r := range resources {
		if c := states[i].cursors; c != nil && c.store(st, r.Name) {
			advanced = true
		}
	}
	if records == 0 && !advanced && !loader.Changed() {
		// Like dlt, a run that extracted nothing new makes no load package
		// (unless it moved a cursor or emptied a replace resource's tables).
		sum.Duration = time.Since(start).Seconds()
		log.Info("no new records; nothing loaded", "pipeline", f.Pipeline.Name)
		return sum, nil
	}

	for i, r := range resources {
		if snap := states[i].kv.Snapshot(); snap != nil {
			st.SetResourceValue(SchemaName, r.Name, state.KVKey, snap)
		} else {
			st.SetResourceValue(SchemaName, r.Name, state.KVKey, nil)
		}
	}
	st.Version++
	st.DatasetName = set.Dataset
	st.DestinationName = set.Destination
	st.DefaultSchemaName = SchemaName
	if !slices.Contains(st.SchemaNames, SchemaName) {
		st.SchemaNames = append(st.SchemaNames, SchemaName)
	}
	stateJSON, err := st.Marshal()
	if err != nil {
		return nil, err
	}
	err = loader.Commit(ctx, load.Finish{
		LoadID:       loadID,
		SchemaName:   SchemaName,
		PipelineName: f.Pipeline.Name,
		Schema:       sch,
		State:        stateJSON,
		StateVersion: st.Version,
		StateHash:    st.Hash(),
		BaseLoad:     &baseLoad,
	})
	if err != nil {
		return nil, fmt.Errorf("committing the load: %w", err)
	}
	committed = true
	// The destination holds the truth now; the local copy is a cache.
	if st.Local == nil {
		st.Local = map[string]any{}
	}
	st.Local["last_load_id"] = loadID
	// `sluice pipeline NAME` finds the database by it (runtime/inspect);
	// a location that carries a password (a postgres DSN) is not kept:
	// `pipeline NAME` then asks for --db.
	if shown == dbPath {
		st.Local[LocalDestinationPath] = dbPath
	} else {
		delete(st.Local, LocalDestinationPath)
	}
	if err := dir.Save(st); err != nil {
		log.Warn("saving the local state copy", "error", err)
	}
	if b, err := sch.MarshalJSON(); err == nil {
		if err := dir.SaveFile(filepath.Join("schemas", SchemaName+".schema.json"), b); err != nil {
			log.Warn("saving the local schema copy", "error", err)
		}
	}
	sum.Loaded = true
	sum.LoadID = loadID
	sum.Tables = loader.RowCounts()
	sum.Duration = time.Since(start).Seconds()
	return sum, nil
}

// runStages runs fetch, normalize and load concurrently and returns the
// number of records extracted.
func runStages(ctx context.Context, ex *extract.Extractor, resources []*extract.Resource, loaded map[string]bool, counters []*counter,
	sch *schema.Schema, loadID string, loader *load.Loader, dest string, maxIdent int) (int64, error) {
	// What is in flight between the fetchers and the writer is bounded by
	// the size of the response bodies (budget.go), not by a count of pages:
	// a page holds its body's weight until the writer has written its rows.
	inflight, err := inflightBytes()
	if err != nil {
		return 0, err
	}
	mem := newBudget(inflight)
	g, gctx := errgroup.WithContext(ctx)
	pages := make(chan weighted[*extract.Page], 64)
	batches := make(chan weighted[*normalize.Batch], 64)

	// Fetchers: one goroutine per top-level resource, at most
	// `concurrency` at once; each runs its dependency tree, whose child
	// requests fan out up to `concurrency` too (the HTTP client holds the
	// requests in flight across all of them to that number).
	limit := resources[0].Client.Concurrency
	if limit <= 0 {
		limit = 4
	}
	emit := func(p *extract.Page) error {
		w, err := mem.acquire(gctx, len(p.Body))
		if err != nil {
			return err
		}
		select {
		case pages <- weighted[*extract.Page]{p, w}:
			return nil
		case <-gctx.Done():
			mem.release(w)
			return gctx.Err()
		}
	}
	roots := buildTree(resources, counters, loaded)
	byName := make(map[string]*counter, len(counters))
	for _, c := range counters {
		byName[c.name] = c
	}
	sem := make(chan struct{}, limit)
	var fetchers sync.WaitGroup
	for _, root := range roots {
		fetchers.Add(1)
		g.Go(func() error {
			defer fetchers.Done()
			select {
			case sem <- struct{}{}:
			case <-gctx.Done():
				return gctx.Err()
			}
			defer func() { <-sem }()
			tree := &extract.Tree{X: ex, Workers: limit, Emit: emit}
			err := tree.Run(gctx, root)
			markDone(root, byName)
			return err
		})
	}
	g.Go(func() error {
		fetchers.Wait()
		close(pages)
		return nil
	})

	// The normalizer: the only goroutine that touches the schema.
	hints := make(map[string]*normalize.TableHints, len(resources))
	for _, r := range resources {
		hints[r.Config.Name] = tableHints(r.Config)
	}
	norm := normalize.New(sch, normalize.Options{LoadID: loadID, MaxIdentifierLength: maxIdent})
	var records atomic.Int64
	g.Go(func() error {
		defer close(batches)
		for wp := range pages {
			p := wp.v
			if len(p.Records) == 0 {
				mem.release(wp.w)
				continue
			}
			b, err := norm.NormalizePage(hints[p.Resource], p.Records, p.Body)
			if err != nil {
				mem.release(wp.w)
				return fmt.Errorf("resource %s, page %d: normalizing: %w", p.Resource, p.Number, err)
			}
			records.Add(int64(len(p.Records)))
			select {
			case batches <- weighted[*normalize.Batch]{b, wp.w}:
			case <-gctx.Done():
				mem.release(wp.w)
				return gctx.Err()
			}
		}
		return nil
	})

	// The writer: the only goroutine that touches the database.
	g.Go(func() error {
		for b := range batches {
			err := loader.Write(gctx, b.v)
			mem.release(b.w)
			if err != nil {
				return fmt.Errorf("writing to %s: %w", dest, err)
			}
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		// Prefer the error that caused the cancellation over the
		// cancellations it caused.
		return 0, err
	}
	if err := finishReplace(ctx, norm, loader, resources, hints); err != nil {
		return 0, fmt.Errorf("writing to %s: %w", dest, err)
	}
	for _, r := range resources {
		for _, k := range norm.UnmatchedNestedHints(hints[r.Config.Name]) {
			ex.Logger.Warn("nested_hints names a path where the data had no list (check the spelling: the key is the list's path below the resource, such as orders or orders__items)",
				"resource", r.Config.Name, "path", r.Config.Path+".nested_hints."+k)
		}
	}
	return records.Load(), nil
}

// tableHints are the hints of a resource's root table: its name, write
// disposition and merge strategy (`deduplicated` from the object form),
// keys, nesting limit and column and nested hints. The replace strategies
// need nothing here: every one of them replaces the tables atomically in
// the run's transaction (package load).
func tableHints(r *config.Resource) *normalize.TableHints {
	h := &normalize.TableHints{
		Name:             firstNonEmpty(r.TableName, r.Name),
		WriteDisposition: firstNonEmpty(r.WriteDisposition, "append"),
		PrimaryKey:       r.PrimaryKey,
		MergeKey:         r.MergeKey,
		MaxTableNesting:  r.MaxTableNesting,
		Columns:          r.Columns,
		ColumnOrder:      r.ColumnOrder,
	}
	if h.WriteDisposition == schema.Merge {
		h.MergeStrategy = firstNonEmpty(r.MergeStrategy, "delete-insert")
		h.Deduplicated, _ = r.WriteDispositionOptions["deduplicated"].(bool)
	}
	if len(r.NestedHints) > 0 {
		h.Nested = make(map[string]*normalize.NestedHints, len(r.NestedHints))
		for path, nh := range r.NestedHints {
			h.Nested[path] = &normalize.NestedHints{MaxTableNesting: nh.MaxTableNesting, Columns: nh.Columns}
		}
	}
	return h
}

// finishReplace empties the tables of every `replace` resource that
// yielded no rows, as dlt does: normalizing no records creates a new
// table (dlt's) and asks for the truncate, which the loader does once per
// run (a resource that had rows was emptied with its first batch).
func finishReplace(ctx context.Context, norm *normalize.Normalizer, loader *load.Loader, resources []*extract.Resource,
	hints map[string]*normalize.TableHints) error {
	for _, r := range resources {
		h := hints[r.Config.Name]
		if h.WriteDisposition != schema.Replace {
			continue
		}
		b, err := norm.Normalize(h, nil)
		if err != nil {
			return fmt.Errorf("resource %s: %w", r.Config.Name, err)
		}
		if err := loader.Write(ctx, b); err != nil {
			return err
		}
	}
	return nil
}

// prepare selects the resources to run and builds their extension
// points: everything of a run that depends on the file alone. The
// resources to run are the selected ones and their ancestors; loaded
// names those whose rows are loaded (a parent that is not selected runs
// only to feed its children). It refuses the resources to run that
// config.File.Unsupported names, the same list `validate` prints as
// warnings, so a file that validates without a warning is never refused
// here.
func prepare(f *config.File, o *Options) (resources []*config.Resource, loaded map[string]bool, err error) {
	if set := Resolve(f, o); o.Destinations.Check(set.Destination) != nil {
		return nil, nil, &UsageError{Msg: o.Destinations.Check(set.Destination).Error()}
	}
	selected, err := selectResources(f, o.Resources)
	if err != nil {
		return nil, nil, err
	}
	resources, loaded = withAncestors(f, selected)
	if err := refuseUnsupported(f, resources); err != nil {
		return nil, nil, err
	}
	if err := refuseDispositions(f, o, loaded); err != nil {
		return nil, nil, err
	}
	return resources, loaded, nil
}

// DispositionWarnings lists the resources of f whose write_disposition the
// destination type dest cannot load (destination.Type.Dispositions), as
// `validate` prints them; run refuses such a resource before extracting.
func DispositionWarnings(f *config.File, reg *destination.Registry, dest string) []config.Warning {
	var out []config.Warning
	for _, r := range f.Source.Resources {
		wd := firstNonEmpty(r.WriteDisposition, schema.Append)
		if !reg.Refuses(dest, wd) {
			continue
		}
		out = append(out, config.Warning{Path: r.Path + ".write_disposition", Line: r.Pos.Line, Column: r.Pos.Column,
			Resource: r.Name, Feature: "write_disposition: " + wd,
			Msg: fmt.Sprintf("resource %s uses write_disposition: %s, which the %s destination cannot load; use write_disposition append or replace, or another destination", r.Name, wd, dest)})
	}
	return out
}

// refuseDispositions returns a UsageError for the loaded resources whose
// write_disposition the destination cannot load, before anything is
// extracted.
func refuseDispositions(f *config.File, o *Options, loaded map[string]bool) error {
	dest := Resolve(f, o).Destination
	var lines []string
	for _, w := range DispositionWarnings(f, o.Destinations, dest) {
		if loaded[w.Resource] {
			lines = append(lines, "  "+w.String())
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return &UsageError{Msg: "the destination cannot load what the file asks for:\n" + strings.Join(lines, "\n")}
}

// withAncestors returns the selected resources and the parents they need,
// in file order, and the set of the selected ones.
func withAncestors(f *config.File, selected []*config.Resource) ([]*config.Resource, map[string]bool) {
	byName := make(map[string]*config.Resource, len(f.Source.Resources))
	for _, r := range f.Source.Resources {
		byName[r.Name] = r
	}
	loaded := make(map[string]bool, len(selected))
	need := map[string]bool{}
	for _, r := range selected {
		loaded[r.Name] = true
		for x := r; x != nil && !need[x.Name]; x = byName[x.Parent] {
			need[x.Name] = true
		}
	}
	var out []*config.Resource
	for _, r := range f.Source.Resources {
		if need[r.Name] {
			out = append(out, r)
		}
	}
	return out, loaded
}

// markDone marks the counters of a tree's resources done.
func markDone(n *extract.Node, counters map[string]*counter) {
	if c := counters[n.Resource.Config.Name]; c != nil {
		c.finish()
	}
	for _, ch := range n.Children {
		markDone(ch, counters)
	}
}

// buildTree arranges the prepared resources into their dependency trees
// and returns the roots, in file order.
func buildTree(resources []*extract.Resource, counters []*counter, loaded map[string]bool) []*extract.Node {
	nodes := make(map[string]*extract.Node, len(resources))
	for i, r := range resources {
		c := counters[i]
		nodes[r.Config.Name] = &extract.Node{Resource: r, Load: loaded[r.Config.Name], OnPage: c.page}
	}
	var roots []*extract.Node
	for _, r := range resources {
		n := nodes[r.Config.Name]
		if p := nodes[r.Config.Parent]; r.Config.Parent != "" && p != nil {
			p.Children = append(p.Children, n)
		} else {
			roots = append(roots, n)
		}
	}
	return roots
}

// buildResources builds the extensions of every resource: the second half
// of their lifecycle (config.Load parsed them), once per resource and run,
// each with its own environment and key-value store (seeded from st). The
// client's auth is the exception: it is built once and shared by every
// resource that inherits it, so an OAuth2 client fetches one token for the
// run, not one per resource (dlt's); an endpoint's own auth is built for
// its resource. The caller closes what was built with closeResources and
// shared.CloseAll, also on error. ctx should carry the run's HTTP client
// (extension.WithHTTPClient) for the requests extensions make themselves.
func buildResources(ctx context.Context, f *config.File, o *Options, resources []*config.Resource, st *state.State,
	log *slog.Logger) (prepared []*extract.Resource, states []*resourceState, shared *extension.Closers, err error) {
	prepared = make([]*extract.Resource, 0, len(resources))
	states = make([]*resourceState, len(resources))
	shared = &extension.Closers{}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	// Resources that inherit the client's auth are prepared with a copy
	// of the client without it, and get the shared one.
	withoutAuth := f.Source.Client
	withoutAuth.Auth = nil
	var clientAuth extension.Authenticator
	for i, r := range resources {
		states[i] = &resourceState{kv: extension.NewMemoryKV(st.ResourceKV(SchemaName, r.Name))}
		env := &extension.Env{
			Pipeline: f.Pipeline.Name,
			Resource: r.Name,
			Dir:      filepath.Dir(f.Path),
			Limits: extension.Limits{
				Timeout:     time.Duration(r.Limits.TimeoutMS) * time.Millisecond,
				MemoryBytes: int64(r.Limits.MemoryMB) << 20,
			},
			Logger:   log.With("resource", r.Name),
			Now:      now,
			KV:       states[i].kv,
			CacheDir: cacheDir(f, o),
		}
		client := &f.Source.Client
		inherits := client.Auth != nil && r.Endpoint.Auth == nil && !r.Endpoint.NoAuth
		if inherits {
			client = &withoutAuth
		}
		res, err := extract.Prepare(ctx, o.Registries, client, r, env)
		if err != nil {
			return prepared, nil, shared, err
		}
		prepared = append(prepared, res)
		cur, err := newCursors(r, st)
		if err != nil {
			return prepared, nil, shared, err
		}
		if cur != nil {
			res.Cursors = cur.For
			states[i].cursors = cur
		}
		if inherits {
			if clientAuth == nil {
				clientAuth, err = buildClientAuth(ctx, o.Registries, f, log, now, cacheDir(f, o))
				if err != nil {
					return prepared, nil, shared, err
				}
				shared.Add(clientAuth)
			}
			res.Auth = clientAuth
		}
		if res.Auth != nil && o.Redactor != nil {
			o.Redactor.Add(res.Auth.Secrets()...)
		}
	}
	return prepared, states, shared, nil
}

// resourceState is what a resource keeps in the pipeline state during a
// run: its hooks' key-value store and its incremental cursors (nil when
// it has none).
type resourceState struct {
	kv      *extension.MemoryKV
	cursors *cursors
}

// buildClientAuth builds client.auth once for the run. Its environment
// names no resource and has a key-value store of its own, kept in memory
// only.
func buildClientAuth(ctx context.Context, reg *extension.Registries, f *config.File, log *slog.Logger, now func() time.Time, cache string) (extension.Authenticator, error) {
	pl := f.Source.Client.Auth
	b, err := reg.Auths.Parse(pl.Type, pl.Args)
	if err != nil {
		return nil, fmt.Errorf("%s: %s %q: %w", pl.Path, reg.Auths.Point(), pl.Type, err)
	}
	env := &extension.Env{
		Pipeline: f.Pipeline.Name,
		Dir:      filepath.Dir(f.Path),
		Logger:   log.With("auth", "client"),
		Now:      now,
		KV:       extension.NewMemoryKV(nil),
		CacheDir: cache,
	}
	a, err := b.Build(ctx, env)
	if err != nil {
		return nil, fmt.Errorf("%s: building %s %q: %w", pl.Path, reg.Auths.Point(), pl.Type, err)
	}
	return a, nil
}

// closeResources releases what buildResources built.
func closeResources(prepared []*extract.Resource, log *slog.Logger) {
	for _, r := range prepared {
		if err := r.Close(); err != nil {
			log.Warn("closing the extensions of a resource", "resource", r.Config.Name, "error", err)
		}
	}
}

// refuseUnsupported returns a UsageError listing, with their place in the
// file, the features of the resources to run that this version accepts
// but cannot run yet.
func refuseUnsupported(f *config.File, resources []*config.Resource) error {
	run := make(map[string]bool, len(resources))
	for _, r := range resources {
		run[r.Name] = true
	}
	var lines []string
	for _, w := range f.Unsupported() {
		if w.Resource != "" && run[w.Resource] {
			lines = append(lines, "  "+w.String())
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return &UsageError{Msg: "this version of sluice validates but cannot run yet what the file asks for (sluice validate lists it too); remove it or use a newer sluice:\n" +
		strings.Join(lines, "\n")}
}

// selectResources returns the resources to run: those named in names, or
// every resource not marked `selected: false`.
func selectResources(f *config.File, names []string) ([]*config.Resource, error) {
	if len(names) == 0 {
		var out []*config.Resource
		for _, r := range f.Source.Resources {
			if r.Selected {
				out = append(out, r)
			}
		}
		if len(out) == 0 {
			return nil, &UsageError{Msg: "no resource is selected: every resource has `selected: false`"}
		}
		return out, nil
	}
	byName := map[string]*config.Resource{}
	var known []string
	for _, r := range f.Source.Resources {
		byName[r.Name] = r
		known = append(known, r.Name)
	}
	var out []*config.Resource
	for _, n := range names {
		r, ok := byName[strings.TrimSpace(n)]
		if !ok {
			return nil, &UsageError{Msg: fmt.Sprintf("--resources: no resource named %q (the file has: %s)", n, strings.Join(known, ", "))}
		}
		out = append(out, r)
	}
	return out, nil
}

// restoreState returns the newest state: the destination's copy (which
// is committed with the data), else the local file, else a new state; and
// the id of the load that stored the destination's copy ("" for none).
func restoreState(ctx context.Context, dest destination.Destination, dir *state.Dir, name string) (*state.State, string, error) {
	b, base, err := load.StoredStateLoad(ctx, dest, name)
	if err != nil {
		return nil, "", fmt.Errorf("reading the stored pipeline state: %w", err)
	}
	local, err := dir.Load()
	if err != nil {
		return nil, "", fmt.Errorf("reading %s: %w", dir.Path, err)
	}
	if b != nil {
		st, err := state.Parse(b)
		if err != nil {
			return nil, "", err
		}
		if local != nil {
			st.Local = local.Local
		}
		return st, base, nil
	}
	if local != nil {
		return local, base, nil
	}
	return state.New(name), base, nil
}

// newLoadID returns the Unix time as a decimal string, as dlt does, kept
// strictly above the previous run's id.
func newLoadID(now time.Time, st *state.State) string {
	t := float64(now.UnixMicro()) / 1e6
	if last, ok := st.Local["last_load_id"].(string); ok {
		if prev, err := strconv.ParseFloat(last, 64); err == nil && t <= prev {
			t = prev + 1e-6
		}
	}
	return strconv.FormatFloat(t, 'f', 6, 64)
}

// httpOptions is the one place where the file's client settings become
// the HTTP client's: the retry policy (config has filled in the defaults,
// so every value is the user's or the default, and a zero backoff_factor
// or max_delay means no wait) and the origins that get credentials (the
// base_url's and client.auth_origins).
func httpOptions(f *config.File, o *Options, log *slog.Logger) httpclient.Options {
	c := &f.Source.Client
	h := httpclient.Options{
		Retry: &httpclient.RetryPolicy{
			MaxAttempts:   c.Retry.MaxAttempts,
			BackoffFactor: c.Retry.BackoffFactor,
			MaxDelay:      seconds(c.Retry.MaxDelay),
			Timeout:       seconds(c.Retry.Timeout),
		},
		UserAgent: "sluice/" + firstNonEmpty(o.Version, "dev"),
		Logger:    log,
		Redactor:  o.Redactor,
		Decoder:   jsondec.New(),
	}
	if base, err := httpclient.Origin(c.BaseURL); err == nil {
		h.AuthOrigins = append([]string{base}, c.AuthOrigins...)
	} else if len(c.AuthOrigins) > 0 {
		h.AuthOrigins = slices.Clone(c.AuthOrigins)
	} else if c.Auth != nil || len(c.Headers) > 0 {
		log.Warn("base_url has no origin (scheme://host), so credentials are sent to every host the requests go to; set client.auth_origins to restrict them")
	}
	h.MaxInFlight = c.Concurrency // requests in flight across all resources of the client
	if c.RateLimit != nil {
		h.RequestsPerSecond = c.RateLimit.RequestsPerSecond
		h.Burst = c.RateLimit.Burst
	}
	if o.Transport != nil {
		h.Transport = o.Transport
	}
	if o.NoWait {
		h.Retry.MaxDelay = 0 // waits of 0, so the retry warnings say so
		h.RequestsPerSecond, h.Burst = 0, 0
		h.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	}
	return h
}

// seconds turns a number of seconds from the file into a duration.
func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
