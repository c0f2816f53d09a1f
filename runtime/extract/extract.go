package extract

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/sluicehq/sluice/runtime/config"
	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/httpclient"
	"github.com/sluicehq/sluice/runtime/jsonpath"
	"github.com/sluicehq/sluice/runtime/redact"
)

// Page is one response's worth of records.
type Page struct {
	// Resource is the resource's name.
	Resource string
	// Number counts the pages of the resource from 1.
	Number int
	// Records are the records the data selector found.
	Records []any
	// Body is the response body the records were decoded from, or nil when
	// they did not come from one. The normalizer reads it only to learn the
	// document order of keys when a page adds columns (jsondec.KeyOrder);
	// whoever changes Records may keep it: changed records fall back to the
	// order their keys rank in the body.
	Body []byte
	// URL is the URL that fetched the page, redacted; "" when the
	// records did not come from a request.
	URL string
	// TotalRecords and TotalPages are what the API said the resource
	// holds, as known when the page arrived (a top-level resource only;
	// 0: not told). For progress displays.
	TotalRecords, TotalPages int64
}

// Resource is a configured resource made ready to run: its extension points
// are built and its selector compiled.
type Resource struct {
	Config *config.Resource
	Client *config.Client
	// Paginators hands out a fresh paginator for every request chain; nil
	// means a single page.
	Paginators extension.PaginatorFactory
	// Auth is nil for no authentication.
	Auth extension.Authenticator
	// Selector is nil when the data selector is detected on the first
	// response.
	Selector *jsonpath.Path

	// actions are the endpoint's response_actions, built, in file order.
	actions []boundAction

	// Cursors hands out the incremental cursor of a request chain: the
	// resource's one, or with incremental.per_parent one per parent key
	// (the parent's rendered field values). Nil without incremental.
	Cursors func(parentKey string) (Cursor, error)

	tmpl *RequestTemplate
	// steps are the built processing_steps, in the order they run
	steps []boundStep
	// convert is the built incremental.convert; nil without one
	convert extension.Converter

	// detect picks a paginator from the first response when none is
	// configured; nil reads one page.
	detect func(ctx context.Context, resp *extension.Response, records int) (extension.Paginator, string, error)

	mu      sync.Mutex
	closers extension.Closers
	// selector is the data selector detected on the first response of
	// the resource, shared by its later request chains; logged once what
	// is logged once per resource
	selector *jsonpath.Path
	logged   map[string]bool
	// detected are the paginators detected so far, by their YAML
	detected map[string]extension.PaginatorFactory
}

// detectSelector detects the data selector on the first response of the
// resource and keeps it for the resource's other request chains.
func (r *Resource) detectSelector(log *slog.Logger, body []byte) (*jsonpath.Path, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.selector != nil {
		return r.selector, nil
	}
	sel := DetectSelector(body)
	p, err := jsonpath.Compile(sel)
	if err != nil {
		return nil, err
	}
	r.selector = p
	log.Info("detected data_selector; set it in the pipeline file to freeze it", "resource", r.Config.Name, "data_selector", sel)
	return p, nil
}

// logOnce logs msg at info level the first time key is seen for the
// resource (a dependent resource runs one request chain per parent).
func (r *Resource) logOnce(log *slog.Logger, key, msg string, args ...any) {
	r.mu.Lock()
	seen := r.logged[key]
	if r.logged == nil {
		r.logged = map[string]bool{}
	}
	r.logged[key] = true
	r.mu.Unlock()
	if !seen {
		log.Info(msg, args...)
	}
}

// Prepare builds the extension points of a resource from its configuration,
// the build half of the extension lifecycle (config.Load ran the parse
// half): each is parsed from its checked arguments and built once with
// env. The endpoint's paginator wins over the client's; with neither, the
// resource is read as a single page. What was built is released by Close,
// which the caller must call whether or not the run succeeds.
func Prepare(ctx context.Context, reg *extension.Registries, client *config.Client, r *config.Resource, env *extension.Env) (*Resource, error) {
	res := &Resource{Config: r, Client: client}
	pag := r.Endpoint.Paginator
	if pag == nil {
		pag = client.Paginator
	}
	if pag == nil && reg.DetectPaginator != nil {
		res.detect = res.detector(reg, r, env)
	}
	if pag != nil {
		f, err := build(ctx, reg.Paginators, pag, env)
		if err != nil {
			res.Close()
			return nil, err
		}
		res.closers.Add(f)
		res.Paginators = f
	}
	auth := r.Endpoint.Auth
	if auth == nil && !r.Endpoint.NoAuth {
		auth = client.Auth
	}
	if auth != nil {
		a, err := build(ctx, reg.Auths, auth, env)
		if err != nil {
			res.Close()
			return nil, err
		}
		res.closers.Add(a)
		res.Auth = a
	}
	for i := range r.ProcessingSteps {
		ps := &r.ProcessingSteps[i]
		st, err := build(ctx, reg.Steps, ps.Hook.Plugin(ps.Kind), env)
		if err != nil {
			res.Close()
			return nil, err
		}
		res.closers.Add(st)
		res.steps = append(res.steps, boundStep{cfg: ps, step: st})
	}
	if inc := incrementalOf(r); inc != nil && inc.Convert != nil {
		c, err := build(ctx, reg.Converts, inc.Convert.Plugin(""), env)
		if err != nil {
			res.Close()
			return nil, err
		}
		res.closers.Add(c)
		res.convert = c
	}
	for i := range r.Endpoint.ResponseActions {
		ra := &r.Endpoint.ResponseActions[i]
		pl := ra.Action.Plugin("")
		pl.Path, pl.Pos = ra.Path, ra.Pos
		a, err := build(ctx, reg.Actions, pl, env)
		if err != nil {
			res.Close()
			return nil, err
		}
		res.closers.Add(a)
		res.actions = append(res.actions, boundAction{cfg: ra, act: a})
	}
	if !r.HasData {
		t, err := CompileRequest(client, &r.Endpoint)
		if err != nil {
			res.Close()
			return nil, fmt.Errorf("%s.endpoint: %w", r.Path, err)
		}
		res.tmpl = t
	}
	if sel := r.Endpoint.DataSelector; sel != "" {
		p, err := jsonpath.Compile(sel)
		if err != nil {
			res.Close()
			return nil, fmt.Errorf("%s.endpoint.data_selector: %w", r.Path, err)
		}
		res.Selector = p
	}
	return res, nil
}

// build parses and builds one configured extension, naming its place in the
// file when either step fails.
func build[T any](ctx context.Context, reg *extension.Registry[T], pl *config.Plugin, env *extension.Env) (T, error) {
	var zero T
	b, err := reg.Parse(pl.Type, pl.Args)
	if err != nil {
		return zero, fmt.Errorf("%s: %s %q: %w", pl.Path, reg.Point(), pl.Type, err)
	}
	v, err := b.Build(ctx, env)
	if err != nil {
		return zero, fmt.Errorf("%s: building %s %q: %w", pl.Path, reg.Point(), pl.Type, err)
	}
	return v, nil
}

// boundStep is one built entry of processing_steps.
type boundStep struct {
	cfg  *config.ProcessingStep
	step extension.Step
}

// incrementalOf returns the incremental of a resource: the param's form
// wins over endpoint.incremental, as in dlt.
func incrementalOf(r *config.Resource) *config.Incremental {
	if r.Endpoint.ParamIncremental != nil {
		return r.Endpoint.ParamIncremental
	}
	return r.Endpoint.Incremental
}

// process runs the records of one page through include_from_parent and
// the processing steps, in file order (dlt's order: the parent's fields
// first, then the steps; the incremental filter comes after both).
func (x *Extractor) process(ctx context.Context, r *Resource, v *Vars, child bool, records []any) ([]any, error) {
	if len(records) > 0 && child && len(r.Config.IncludeFromParent) > 0 {
		if err := includeFromParent(r, v, records); err != nil {
			return nil, err
		}
	}
	for _, s := range r.steps {
		if len(records) == 0 {
			break
		}
		out, err := s.step.Apply(ctx, records)
		if err != nil {
			var se *extension.StepError
			if errors.As(err, &se) {
				return nil, fmt.Errorf("%s (line %d): record %d of the page: %w", s.cfg.Hook.Path, s.cfg.Hook.Pos.Line, se.Index+1, se.Err)
			}
			return nil, fmt.Errorf("%s (line %d): %w", s.cfg.Hook.Path, s.cfg.Hook.Pos.Line, err)
		}
		records = out
	}
	return records, nil
}

// converted returns the cursor's values with incremental.convert applied
// to each non-null value (dlt §6.2: lag is not converted).
func (r *Resource) converted(ctx context.Context, vals map[string]any) (map[string]any, error) {
	if r.convert == nil {
		return vals, nil
	}
	out := make(map[string]any, len(vals))
	for k, v := range vals {
		if v != nil && k != "lag" {
			c, err := r.convert.Convert(ctx, v)
			if err != nil {
				return nil, fmt.Errorf("%s (line %d): converting %s %v: %w", incrementalOf(r.Config).Convert.Path, incrementalOf(r.Config).Convert.Pos.Line, k, v, err)
			}
			v = c
		}
		out[k] = v
	}
	return out, nil
}

// boundAction is one built entry of response_actions.
type boundAction struct {
	cfg *config.ResponseAction
	act extension.ResponseAction
}

// decision is what the response actions decided about the last attempt of
// a request: the verdict, the entry that matched, and an action's error.
type decision struct {
	verdict extension.Verdict
	by      *config.ResponseAction
	err     error
}

// classifier runs r's response actions on every attempt, first match
// first: retry becomes a retry with the client's backoff, ignore and fail
// are kept in d for the extractor to act on once the request is over.
func (r *Resource) classifier(ctx context.Context, d *decision) httpclient.Classifier {
	if len(r.actions) == 0 {
		return nil
	}
	return func(resp *extension.Response) httpclient.Verdict {
		*d = decision{}
		for _, a := range r.actions {
			if !a.cfg.Matches(resp.Status, string(resp.Body)) {
				continue
			}
			v, err := a.act.Act(ctx, resp)
			*d = decision{verdict: v, by: a.cfg, err: err}
			switch {
			case err != nil:
				d.verdict = extension.Fail
				return httpclient.Accept
			case v == extension.Retry:
				return httpclient.Retry
			case v == extension.Ignore || v == extension.Fail:
				return httpclient.Accept
			}
			return httpclient.Default
		}
		return httpclient.Default
	}
}

// Close releases what Prepare built, and the paginators detected since.
func (r *Resource) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closers.CloseAll()
}

// detector returns the function that detects r's paginator on a first
// response: it builds the detected type like a configured one and returns
// it with the YAML that configures it. A response that shows more pages
// but matches no paginator is an error: ending there would load part of
// the resource without a word.
func (res *Resource) detector(reg *extension.Registries, r *config.Resource, env *extension.Env) func(context.Context, *extension.Response, int) (extension.Paginator, string, error) {
	return func(ctx context.Context, resp *extension.Response, records int) (extension.Paginator, string, error) {
		d := reg.DetectPaginator(resp, records)
		if d.Type == "" {
			if d.Signs != "" {
				return nil, "", fmt.Errorf("the first response shows more pages (%s), but %s.endpoint has no paginator and none could be detected: "+
					"set endpoint.paginator (e.g. {type: offset, limit: 100, total_path: total}), or paginator: single_page to read one page on purpose", d.Signs, r.Path)
			}
			return nil, "", nil
		}
		yaml := PaginatorYAML(d.Type, d.Args)
		// a dependent resource detects on every chain's first page: the
		// paginator detected once is built once
		res.mu.Lock()
		f := res.detected[yaml]
		res.mu.Unlock()
		if f == nil {
			var err error
			f, err = build(ctx, reg.Paginators, &config.Plugin{Type: d.Type, Args: d.Args, Path: r.Path + ".endpoint.paginator (detected: " + yaml + ")"}, env)
			if err != nil {
				return nil, "", err
			}
			res.mu.Lock()
			if res.detected == nil {
				res.detected = map[string]extension.PaginatorFactory{}
			}
			res.detected[yaml] = f
			res.closers.Add(f)
			res.mu.Unlock()
		}
		p, err := f.NewPaginator(ctx)
		return p, yaml, err
	}
}

// PaginatorYAML renders a paginator as the flow-style YAML a user pastes
// into endpoint.paginator, keys sorted: {type: page_number, base_page: 1}.
func PaginatorYAML(typ string, args map[string]any) string {
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString("{type: ")
	b.WriteString(typ)
	for _, k := range keys {
		fmt.Fprintf(&b, ", %s: ", k)
		if s, ok := args[k].(string); ok {
			b.WriteString(strconv.Quote(s))
		} else {
			fmt.Fprint(&b, args[k])
		}
	}
	b.WriteString("}")
	return b.String()
}

// Extractor runs resources against one HTTP client.
type Extractor struct {
	HTTP     *httpclient.Client
	Logger   *slog.Logger
	Redactor *redact.Redactor
	// PageLimit stops each resource after this many pages (dlt's
	// add_limit); 0 means no limit.
	PageLimit int
}

// Error is an extraction failure, naming the resource and the (redacted)
// URL of the request that failed.
type Error struct {
	Resource string
	URL      string
	Page     int
	Err      error
}

func (e *Error) Error() string {
	var status *httpclient.StatusError
	var request *httpclient.RequestError
	if errors.As(e.Err, &status) || errors.As(e.Err, &request) {
		// The HTTP error already names the method and URL.
		return fmt.Sprintf("resource %s, page %d: %v", e.Resource, e.Page, e.Err)
	}
	if e.URL == "" {
		return fmt.Sprintf("resource %s: %v", e.Resource, e.Err)
	}
	return fmt.Sprintf("resource %s, page %d, %s: %v", e.Resource, e.Page, e.URL, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Cursor is the incremental state that one request chain reads (its
// values fill the {incremental.*} placeholders) and advances (Filter
// drops the records already loaded). Package incremental implements it.
type Cursor interface {
	Values() map[string]any
	Filter(records []any) (kept []any, stop bool, err error)
}

// Run extracts a top-level resource page by page, calling emit with each
// page in order. It stops at the first error, which is an *Error; emit's
// own errors are returned as they are.
func (x *Extractor) Run(ctx context.Context, r *Resource, emit func(*Page) error) error {
	return x.RunChain(ctx, r, nil, emit)
}

// RunChain extracts one request chain of r: the whole of a top-level
// resource (v nil), or what one parent record — or one batch of them —
// asks of a dependent resource. Records pass include_from_parent, then
// the incremental filter, before emit sees them.
func (x *Extractor) RunChain(ctx context.Context, r *Resource, v *Vars, emit func(*Page) error) error {
	name := r.Config.Name
	if r.Config.HasData {
		return x.runData(ctx, r, v, emit)
	}
	child := v != nil && v.Records != nil
	if v == nil {
		v = &Vars{}
	}
	var cursor Cursor
	if r.Cursors != nil {
		var err error
		if cursor, err = r.Cursors(x.parentKey(r, v)); err != nil {
			return &Error{Resource: name, Err: err}
		}
		if v.Incremental, err = r.converted(ctx, cursor.Values()); err != nil {
			return &Error{Resource: name, Err: err}
		}
	}
	req, err := r.tmpl.Build(v)
	if err != nil {
		return &Error{Resource: name, Err: err}
	}
	emitPage := emit
	emit = func(p *Page) error {
		recs, perr := x.process(ctx, r, v, child, p.Records)
		if perr != nil {
			return &Error{Resource: name, Page: p.Number, Err: perr}
		}
		p.Records = recs
		if cursor != nil && len(p.Records) > 0 {
			kept, stop, err := cursor.Filter(p.Records)
			if err != nil {
				return &Error{Resource: name, Page: p.Number, Err: err}
			}
			p.Records = kept
			if stop && !child {
				if err := emitPage(p); err != nil {
					return err
				}
				return errStop
			}
		}
		return emitPage(p)
	}
	err = x.pages(ctx, r, req, child, emit)
	if err == errStop {
		x.Logger.Debug("row_order: the page passed the cursor's end; no more pages", "resource", name)
		return nil
	}
	return err
}

// FirstRequest builds the first request of a top-level resource as Run
// sends it, incremental values included.
func (r *Resource) FirstRequest() (*extension.Request, error) {
	if r.tmpl == nil {
		return nil, fmt.Errorf("resource %s has no endpoint", r.Config.Name)
	}
	v := &Vars{}
	if r.Cursors != nil {
		c, err := r.Cursors("")
		if err != nil {
			return nil, err
		}
		if v.Incremental, err = r.converted(context.Background(), c.Values()); err != nil {
			return nil, err
		}
	}
	return r.tmpl.Build(v)
}

// errStop ends a chain early without an error (incremental row_order).
var errStop = errors.New("stop")

// runData emits the rows a resource has in the file as one page.
func (x *Extractor) runData(ctx context.Context, r *Resource, v *Vars, emit func(*Page) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	records, err := x.process(ctx, r, v, false, slices.Clone(r.Config.Data))
	if err != nil {
		return &Error{Resource: r.Config.Name, Page: 1, Err: err}
	}
	if r.Cursors != nil {
		cursor, err := r.Cursors("")
		if err != nil {
			return &Error{Resource: r.Config.Name, Err: err}
		}
		if records, _, err = cursor.Filter(records); err != nil {
			return &Error{Resource: r.Config.Name, Err: err}
		}
	}
	return emit(&Page{Resource: r.Config.Name, Number: 1, Records: records})
}

// pages runs the request chain that starts with req.
func (x *Extractor) pages(ctx context.Context, r *Resource, req *extension.Request, child bool, emit func(*Page) error) error {
	name := r.Config.Name
	var err error
	var pag extension.Paginator = singlePage{}
	if r.Paginators != nil {
		if pag, err = r.Paginators.NewPaginator(ctx); err != nil {
			return &Error{Resource: name, Err: fmt.Errorf("paginator: %w", err)}
		}
	}
	if err := pag.Init(ctx, req); err != nil {
		return &Error{Resource: name, Err: fmt.Errorf("paginator: %w", err)}
	}
	selector := r.Selector
	for page := 1; ; page++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		var d decision
		resp, err := x.HTTP.DoClassified(ctx, req, r.Auth, r.classifier(ctx, &d))
		switch {
		case d.err != nil:
			return &Error{Resource: name, URL: x.url(req), Page: page,
				Err: fmt.Errorf("response action %s (line %d): %w", d.by.Path, d.by.Pos.Line, d.err)}
		case d.verdict == extension.Ignore && resp != nil:
			x.Logger.Info(fmt.Sprintf("ignoring the response, as %s says; the resource ends here", d.by.Path),
				"resource", name, "page", page, "status", resp.Status)
			return nil
		case d.verdict == extension.Fail && resp != nil:
			if err == nil {
				method := req.Method
				if method == "" {
					method = "GET"
				}
				full, _ := req.FullURL()
				err = x.HTTP.StatusErrorFor(method, full, resp)
			}
			return &Error{Resource: name, URL: x.url(req), Page: page,
				Err: fmt.Errorf("response action %s (line %d) fails the resource: %w", d.by.Path, d.by.Pos.Line, err)}
		}
		if err != nil {
			return &Error{Resource: name, URL: x.url(req), Page: page, Err: err}
		}
		body, err := resp.JSON()
		if err != nil {
			// A body that is not JSON (HTML, CSV, text) cannot be paged
			// through: it ends the resource as an empty page, said aloud.
			x.Logger.Warn("the response is not JSON; taken as an empty page, and the resource ends here (add a response action to decide otherwise)",
				"resource", name, "page", page, "status", resp.Status, "content_type", resp.Header.Get("Content-Type"),
				"body", httpclient.Snippet(resp.Body, 120))
			return emit(&Page{Resource: name, Number: page})
		}
		if body == nil {
			// A 204, or any empty body: an empty page. The paginator
			// still decides whether more follow (a Link header may).
			x.Logger.Info("empty response body; taken as an empty page", "resource", name, "page", page, "status", resp.Status)
			if err := emit(&Page{Resource: name, Number: page}); err != nil {
				return err
			}
			more, err := pag.Next(ctx, resp, 0, req)
			if err != nil || !more {
				if err != nil {
					return &Error{Resource: name, URL: x.url(req), Page: page, Err: fmt.Errorf("paginator: %w", err)}
				}
				return nil
			}
			continue
		}
		if selector == nil {
			if selector, err = r.detectSelector(x.Logger, resp.Body); err != nil {
				return &Error{Resource: name, Err: err}
			}
		}
		records := jsonpath.Select(selector, body)
		pg := &Page{Resource: name, Number: page, Records: records, Body: resp.Body, URL: x.url(req)}
		if !child {
			pg.TotalRecords, pg.TotalPages = totals(pag, resp.Header)
		}
		if err := emit(pg); err != nil {
			return err
		}
		if x.PageLimit > 0 && page >= x.PageLimit && !child {
			x.Logger.Debug("page limit reached", "resource", name, "pages", page)
			return nil
		}
		if page == 1 && r.Paginators == nil && r.detect != nil {
			detected, yaml, err := r.detect(ctx, resp, len(records))
			if err != nil {
				return &Error{Resource: name, URL: x.url(req), Page: page, Err: err}
			}
			if detected != nil {
				r.logOnce(x.Logger, "paginator:"+yaml, "detected paginator; set it in the pipeline file to freeze it",
					"resource", name, "paginator", yaml)
				// The first request went out without the paginator: let it
				// take that as its first page, then go on from there.
				if err := detected.Init(ctx, req.Clone()); err != nil {
					return &Error{Resource: name, Err: fmt.Errorf("detected paginator: %w", err)}
				}
				pag = detected
			}
		}
		more, err := pag.Next(ctx, resp, len(records), req)
		if err != nil {
			return &Error{Resource: name, URL: x.url(req), Page: page, Err: fmt.Errorf("paginator: %w", err)}
		}
		if !more {
			return nil
		}
	}
}

func (x *Extractor) url(req *extension.Request) string {
	u, err := req.FullURL()
	if err != nil {
		u = req.URL
	}
	if x.Redactor != nil {
		return x.Redactor.URL(u)
	}
	return u
}

// singlePage is the paginator of a resource that names none.
type singlePage struct{}

func (singlePage) Init(context.Context, *extension.Request) error { return nil }
func (singlePage) Next(context.Context, *extension.Response, int, *extension.Request) (bool, error) {
	return false, nil
}
