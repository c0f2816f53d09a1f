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
	"sync"
	"time"

	"github.com/sluicehq/sluice/runtime/config"
	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/extract"
	"github.com/sluicehq/sluice/runtime/httpclient"
	"github.com/sluicehq/sluice/runtime/redact"
	"github.com/sluicehq/sluice/runtime/state"
)

// Detected is what a plan says of a paginator or data selector the file
// does not set: sluice picks it from the first response, which a dry run
// does not fetch.
const Detected = "detected at run time from the first response (a dry run sends no request)"

// Plan is what a dry run shows of one resource: its first request as it
// would be sent, redacted, and how its pages would be read.
type Plan struct {
	Resource string `json:"resource"`
	// Parent names the resource this one depends on: one request chain per
	// parent record, whose fields stay placeholders in the request.
	Parent string `json:"parent,omitempty"`
	// Loaded is false for a parent that runs only to feed the resources
	// chosen with --resources.
	Loaded bool `json:"loaded"`
	// Method, URL (with its query), Header and Body are the first request,
	// secrets masked; URL is empty for a resource with rows in the file
	// (data:).
	Method string      `json:"method,omitempty"`
	URL    string      `json:"url,omitempty"`
	Header http.Header `json:"headers,omitempty"`
	Body   string      `json:"body,omitempty"`
	// Auth names the auth and whether the request shows it applied.
	Auth         string `json:"auth,omitempty"`
	Paginator    string `json:"paginator"`
	DataSelector string `json:"data_selector"`
	// Incremental describes the cursor and the value the request starts
	// from.
	Incremental string `json:"incremental,omitempty"`
	// Notes say what the request cannot show.
	Notes []string `json:"notes,omitempty"`
}

// errDryRun is what every request made during a dry run gets.
var errDryRun = errors.New("a dry run sends no request")

// refuse is the transport of a dry run: it answers every request with
// errDryRun, and ends the context of the call that made it (an auth
// fetching a token would retry until its deadline otherwise).
type refuse struct {
	mu     sync.Mutex
	cancel context.CancelFunc
}

func (r *refuse) RoundTrip(*http.Request) (*http.Response, error) {
	r.mu.Lock()
	if r.cancel != nil {
		r.cancel()
	}
	r.mu.Unlock()
	return nil, errDryRun
}

// during runs fn with a context that a refused request ends.
func (r *refuse) during(ctx context.Context, fn func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	r.mu.Lock()
	r.cancel = cancel
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.cancel = nil
		r.mu.Unlock()
	}()
	return fn(ctx)
}

// DryRun returns the plan of every resource a run would extract, in file
// order, without sending a request or writing anything: no database, no
// state folder. Incremental start values come from the local state copy
// when there is one (read only), else from the file. o.Redactor, when
// set, masks the secrets it knows and learns those of the auths.
func DryRun(ctx context.Context, f *config.File, o Options) ([]Plan, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	red := o.Redactor
	if red == nil {
		red = redact.New(f.Secrets...)
	}
	resources, loaded, err := prepare(f, &o)
	if err != nil {
		return nil, err
	}
	st, err := localState(f, &o)
	if err != nil {
		return nil, err
	}
	// Extensions that make requests of their own (an OAuth2 token) get a
	// client that refuses them.
	tr := &refuse{}
	hc := &http.Client{Transport: tr, Timeout: time.Second}
	ctx = extension.WithHTTPClient(ctx, hc)
	prepared, states, shared, err := buildResources(ctx, f, &o, resources, st, log)
	defer func() {
		closeResources(prepared, log)
		_ = shared.CloseAll()
	}()
	if err != nil {
		return nil, err
	}
	hopts := httpOptions(f, &o, log)
	plans := make([]Plan, 0, len(prepared))
	for i, r := range prepared {
		p, err := plan(ctx, f, r, states[i], loaded[r.Config.Name], hopts, red, tr)
		if err != nil {
			return nil, fmt.Errorf("resource %s: %w", r.Config.Name, red.Error(err))
		}
		plans = append(plans, p)
	}
	return plans, nil
}

// localState reads the local state copy without creating its folder.
func localState(f *config.File, o *Options) (*state.State, error) {
	set := Resolve(f, o)
	dir := &state.Dir{Path: filepath.Join(set.PipelinesDir, f.Pipeline.Name)}
	if _, err := os.Stat(dir.Path); err != nil {
		return state.New(f.Pipeline.Name), nil
	}
	st, err := dir.Load()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", dir.Path, err)
	}
	if st == nil {
		st = state.New(f.Pipeline.Name)
	}
	return st, nil
}

func plan(ctx context.Context, f *config.File, r *extract.Resource, rs *resourceState, load bool, hopts httpclient.Options, red *redact.Redactor, tr *refuse) (Plan, error) {
	c := r.Config
	p := Plan{Resource: c.Name, Parent: c.Parent, Loaded: load}
	p.Paginator, p.DataSelector = describePaginator(f, c), c.Endpoint.DataSelector
	if p.DataSelector == "" {
		p.DataSelector = Detected
	}
	inc := c.Endpoint.Incremental
	if c.Endpoint.ParamIncremental != nil {
		inc = c.Endpoint.ParamIncremental // dlt: the param's wins
	}
	if inc != nil {
		p.Incremental = describeIncremental(inc, rs)
	}
	if c.HasData {
		p.Paginator, p.DataSelector = "none: the rows are in the file (data:)", "none"
		p.Notes = append(p.Notes, fmt.Sprintf("%d record(s) written in the file; no request", len(c.Data)))
		return p, nil
	}
	req, show, err := r.PreviewRequest()
	if err != nil {
		return p, err
	}
	if r.Paginators != nil {
		pag, err := r.Paginators.NewPaginator(ctx)
		if err != nil {
			return p, fmt.Errorf("paginator: %w", err)
		}
		if err := pag.Init(ctx, req); err != nil {
			return p, fmt.Errorf("paginator: %w", err)
		}
	}
	if r.Auth != nil {
		p.Auth = authName(f, c)
		origin, _ := httpclient.Origin(req.URL)
		switch {
		case !slices.Contains(hopts.AuthOrigins, origin) && len(hopts.AuthOrigins) > 0:
			p.Notes = append(p.Notes, "the auth is not applied: the URL's origin is not the base_url's nor in client.auth_origins")
		default:
			err := tr.during(ctx, func(ctx context.Context) error { return r.Auth.Authenticate(ctx, req) })
			if err != nil {
				p.Notes = append(p.Notes, "the auth is applied at run time: it needs a request of its own (a token), which a dry run does not send")
			}
			red.Add(r.Auth.Secrets()...)
		}
	}
	if c.Parent != "" {
		p.Notes = append(p.Notes, fmt.Sprintf("one request chain per record of %s; {resources.%s.…} are filled from each", c.Parent, c.Parent))
	}
	hreq, err := httpclient.NewHTTPRequest(ctx, req, hopts.UserAgent)
	if err != nil {
		return p, err
	}
	body, _, err := httpclient.BodyBytes(req)
	if err != nil {
		return p, err
	}
	p.Method = hreq.Method
	p.URL = show(red.URL(hreq.URL.String()))
	p.Header = red.Header(hreq.Header)
	for _, vals := range p.Header {
		for i, v := range vals {
			vals[i] = show(red.String(v))
		}
	}
	if body != nil {
		p.Body = show(red.Text(string(body)))
	}
	return p, nil
}

// describePaginator is the paginator as the file sets it (the endpoint's,
// else the client's), or how it will be found.
func describePaginator(f *config.File, c *config.Resource) string {
	pl := c.Endpoint.Paginator
	if pl == nil {
		pl = f.Source.Client.Paginator
	}
	if pl != nil {
		return extract.PaginatorYAML(pl.Type, pl.Args)
	}
	return Detected
}

func authName(f *config.File, c *config.Resource) string {
	if a := c.Endpoint.Auth; a != nil {
		return a.Type + " (endpoint.auth)"
	}
	if a := f.Source.Client.Auth; a != nil {
		return a.Type + " (client.auth)"
	}
	return ""
}

// describeIncremental names the cursor and where the first request starts.
func describeIncremental(inc *config.Incremental, rs *resourceState) string {
	s := "cursor " + inc.CursorPath
	if inc.PerParent {
		s += ", one per parent record"
	}
	if rs == nil || rs.cursors == nil {
		return s
	}
	if inc.PerParent {
		return s + "; each starts from its stored value, or initial_value"
	}
	vals := rs.cursors.shared.Values()
	if sv, ok := vals["start_value"]; ok {
		s += fmt.Sprintf(", start_value %v", sv)
	}
	if rs.cursors.saved[incrementalKey] != nil {
		s += " (from the local state copy)"
	} else {
		s += " (initial_value: no state yet)"
	}
	return s
}
