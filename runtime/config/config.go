package config

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/sluicehq/sluice/runtime/extension"
)

// Options of Load.
type Options struct {
	// Registries are used to validate paginator and auth types and their
	// arguments; nil skips that check (tests).
	Registries *extension.Registries
	// LookupEnv reads the environment; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// Destinations names the destination types this build has, for
	// Unsupported's warning about a destination it lacks; nil means
	// sqlite only.
	Destinations []string
}

var lookupEnvOS = os.LookupEnv

// Defaults of the pipeline section and of client.retry.
const (
	DefaultDestination   = "sqlite"
	DefaultMaxAttempts   = 5
	DefaultBackoffFactor = 1
	DefaultMaxDelay      = 300
	DefaultTimeout       = 60
)

// Load reads, resolves and validates the pipeline file at path. On invalid
// input the error is a Problems value listing every problem found; a file
// that cannot be read gives the read error (for a folder, one that says so
// and wraps it).
func Load(path string, opts Options) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if fi, serr := os.Stat(path); serr == nil && fi.IsDir() {
			return nil, fmt.Errorf("%s is a folder, not a pipeline file: %w", path, err)
		}
		return nil, err
	}
	return Parse(data, path, filepath.Dir(path), opts)
}

// Parse reads, resolves and validates a pipeline file given as bytes; path
// is used in messages and File.Path, dir is where secrets.toml is looked
// for. On invalid input the error is a Problems value.
func Parse(data []byte, path, dir string, opts Options) (*File, error) {
	p := newParser(opts, dir)
	f := &File{Path: path, destinations: opts.Destinations}

	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, Problems{syntaxProblem(data, err)}
	}
	root := p.prep(&doc, "", 0)
	if root == nil || root.Kind == 0 || isNull(root) {
		p.atPath("", nil, "the file is empty: it needs a pipeline: and a source: section", "")
	} else if o, ok := p.asObject(root, "an object with pipeline: and source:"); ok {
		p.checkKeys(o, lvTop)
		p.parsePipeline(o, &f.Pipeline)
		p.parseSource(o, &f.Source)
	}
	f.Secrets = p.secrets
	if len(p.probs) > 0 {
		for i := range p.probs {
			p.probs[i].Msg = redact(p.probs[i].Msg, p.secrets)
			p.probs[i].Hint = redact(p.probs[i].Hint, p.secrets)
		}
		return nil, sortProblems(p.probs)
	}
	return f, nil
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

// syntaxProblem turns yaml.v3's error for data into a Problem. yaml.v3
// often names the line where the enclosing block starts rather than the
// mistake, so the raw bytes are read again (locateSyntax) to find the
// culprit: a tab in the indentation, an unclosed { [ or quote, a line
// indented to no level, a ": " inside a plain value, an unknown escape.
// Only when that finds nothing is yaml.v3's own message kept.
func syntaxProblem(data []byte, err error) Problem {
	if c := locateSyntax(data); c != nil {
		return Problem{Line: c.line, Column: c.col, Msg: "invalid YAML: " + c.msg, Hint: c.hint}
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	pr := Problem{Msg: "invalid YAML: " + msg}
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		pr.Line, _ = strconv.Atoi(m[1])
		pr.Column = 1
		pr.Msg = "invalid YAML: " + strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(msg, m[0]), ":"))
	}
	return pr
}

// ---------------------------------------------------------------- pipeline

var pipelineNameRE = regexp.MustCompile(`^[A-Za-z0-9_.\-]+$`)

func (p *parser) parsePipeline(top *object, pl *Pipeline) {
	n := top.get("pipeline")
	if n == nil {
		p.atPath("pipeline", top.node, `missing required section "pipeline"`, "add pipeline: {name: my_pipeline}")
		return
	}
	o, ok := p.asObject(n, "an object with name, destination, dataset")
	if !ok {
		return
	}
	p.checkKeys(o, lvPipeline)
	if name, ok := p.str(o, "name"); ok {
		switch {
		case name == "" || name == "." || name == "..":
			p.at(o.get("name"), fmt.Sprintf("invalid pipeline name %q", name), "")
		case !pipelineNameRE.MatchString(name):
			p.at(o.get("name"), fmt.Sprintf("invalid pipeline name %q: it names a folder and a file, so it may only contain letters, digits, _, - and .", name),
				fmt.Sprintf("try %q", sanitizeName(name)))
		default:
			pl.Name = name
		}
	} else if !o.has("name") || isNull(o.get("name")) {
		p.atPath(o.path, o.node, `missing required field "name"`, "the name names the state folder and the default database file")
	}

	pl.Destination = DefaultDestination
	if d := o.get("destination"); d != nil && !isNull(d) {
		p.parseDestination(d, pl)
		pl.destAt = loc{path: p.origin[d], pos: posOf(d)}
	}
	if ds, ok := p.str(o, "dataset"); ok {
		if ds == "" {
			p.at(o.get("dataset"), "dataset must not be empty", "")
		}
		pl.Dataset = ds
	}
	if pl.Dataset == "" && pl.Name != "" {
		pl.Dataset = pl.Name + "_dataset"
	}
	if dir, ok := p.str(o, "pipelines_dir"); ok {
		pl.PipelinesDir = dir
	}
}

// DestinationTypes are the destination types a pipeline file may name;
// which of them a build has is Options.Destinations.
var DestinationTypes = []string{"sqlite", "duckdb", "postgres", "filesystem"}

// DestinationFormats are the file formats of the filesystem destination.
var DestinationFormats = []string{"parquet"}

// destinationFields says which location field each destination type
// takes: a file path, a DSN or a bucket URL.
var destinationFields = map[string]string{
	"sqlite":     "path",
	"duckdb":     "path",
	"postgres":   "credentials",
	"filesystem": "bucket_url",
}

func (p *parser) parseDestination(d *yaml.Node, pl *Pipeline) {
	if isString(d) {
		if v, ok := p.enum(d, DestinationTypes); ok {
			pl.Destination = v
		}
		return
	}
	if d.Kind != yaml.MappingNode {
		p.at(d, fmt.Sprintf("expected %s or an object {type, path | credentials | bucket_url}, got %s", strings.Join(DestinationTypes, ", "), describe(d)), "")
		return
	}
	o := newObject(d, p.origin[d])
	p.checkKeys(o, lvDestination)
	if v, ok := p.oneOf(o, "type", DestinationTypes); ok {
		pl.Destination = v
	}
	want := destinationFields[pl.Destination]
	for _, key := range []string{"path", "credentials", "bucket_url"} {
		v, ok := p.str(o, key)
		if !ok {
			continue
		}
		if key != want {
			p.at(o.get(key), fmt.Sprintf("destination %s takes %s, not %s", pl.Destination, want, key), destinationHint(pl.Destination))
			continue
		}
		if key == "credentials" {
			// A DSN carries a password however it was written: never
			// print it, not even when it is in the file itself.
			p.addSecret(v)
		}
		pl.DestinationPath = v
	}
	if v, ok := p.oneOf(o, "format", DestinationFormats); ok {
		if pl.Destination != "filesystem" {
			p.at(o.get("format"), fmt.Sprintf("destination %s has no format: only filesystem does", pl.Destination), "")
		} else {
			pl.DestinationFormat = v
		}
	}
	if pl.Destination == "filesystem" && pl.DestinationFormat == "" {
		pl.DestinationFormat = "parquet"
	}
}

func destinationHint(typ string) string {
	switch typ {
	case "postgres":
		return `e.g. {type: postgres, credentials: "${PG_DSN}"} with PG_DSN=postgresql://user:password@host:5432/db`
	case "filesystem":
		return "e.g. {type: filesystem, bucket_url: file:///data/lake, format: parquet}"
	}
	return "e.g. {type: " + typ + ", path: data/" + typ + ".db}"
}

func sanitizeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && (r == '_' || r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// ---------------------------------------------------------------- source

func (p *parser) parseSource(top *object, src *Source) {
	n := top.get("source")
	if n == nil {
		p.atPath("source", top.node, `missing required section "source"`, "add source: with client: and resources: (dlt's RESTAPIConfig)")
		return
	}
	o, ok := p.asObject(n, "an object with client, resources and resource_defaults")
	if !ok {
		return
	}
	p.checkKeys(o, lvSource)

	if c := o.get("client"); c == nil || isNull(c) {
		p.atPath(o.path, o.node, `missing required field "client"`, "add client: {base_url: https://…}")
	} else {
		p.parseClient(c, &src.Client)
	}

	var defaults *yaml.Node
	if d := o.get("resource_defaults"); d != nil && !isNull(d) {
		if d.Kind != yaml.MappingNode {
			p.at(d, fmt.Sprintf("expected an object, got %s", describe(d)), "")
		} else {
			defaults = d
			// Check the defaults on their own, so that their problems are
			// reported once at their own path even when no resource uses
			// them; the same problems met again through a resource are
			// dropped as duplicates.
			p.parseResource(d, true)
		}
	}

	rn := o.get("resources")
	switch {
	case rn == nil || isNull(rn):
		p.atPath(o.path, o.node, `missing required field "resources"`, "add resources: with at least one resource")
		return
	case rn.Kind != yaml.SequenceNode:
		p.at(rn, fmt.Sprintf("expected a list of resources, got %s", describe(rn)), "")
		return
	case len(rn.Content) == 0:
		p.at(rn, "resources must not be empty", "add at least one resource")
		return
	}
	var infos []*resInfo
	seen := map[string]*yaml.Node{}
	for i, item := range rn.Content {
		path := indexPath(p.origin[rn], i)
		expanded, ok := p.expandResource(item, path)
		if !ok {
			continue
		}
		merged := p.mergeDefaults(defaults, expanded, path)
		info := p.parseResource(merged, false)
		if info == nil {
			continue
		}
		info.r.Path = path
		info.r.Pos = Pos{Line: item.Line, Column: item.Column}
		if info.r.Name != "" {
			if first, dup := seen[info.r.Name]; dup {
				np := p.origin[info.nameNode]
				if np != path && !strings.HasPrefix(np, path+".") {
					np = childPath(path, "name") // the same node again, through an alias
				}
				p.atPath(np, info.nameNode, fmt.Sprintf("Resource `%s` is already defined", info.r.Name),
					fmt.Sprintf("the first one is at line %d; resource names must be unique", first.Line))
			} else {
				seen[info.r.Name] = info.nameNode
			}
		}
		infos = append(infos, info)
		src.Resources = append(src.Resources, info.r)
	}
	p.checkDependencies(infos)
	p.checkRequestURLs(src)
}

// ---------------------------------------------------------------- client

func (p *parser) parseClient(n *yaml.Node, c *Client) {
	o, ok := p.asObject(n, "an object with base_url")
	if !ok {
		return
	}
	p.checkKeys(o, lvClient)
	if bu := o.get("base_url"); bu == nil || isNull(bu) {
		p.atPath(o.path, o.node, `missing required field "base_url"`, "add base_url: https://api.example.com/")
	} else if s, ok := p.str(o, "base_url"); ok {
		if p.checkBaseURL(bu, s) {
			p.baseURLNode = bu
		}
		c.BaseURL = s
	}
	c.Headers = p.headers(o.get("headers"))
	c.AuthOrigins = p.authOrigins(o.get("auth_origins"))
	if a := o.get("auth"); a != nil {
		c.Auth, _ = p.parsePlugin(a, "auth")
	}
	if pg := o.get("paginator"); pg != nil {
		c.Paginator, _ = p.parsePlugin(pg, "paginator")
	}
	if rl := o.get("rate_limit"); rl != nil && !isNull(rl) {
		if ro, ok := p.asObject(rl, "an object {requests_per_second, burst}"); ok {
			p.checkKeys(ro, lvRateLimit)
			r := &RateLimit{Burst: 1}
			if rps, ok := p.numField(ro, "requests_per_second", true); ok {
				r.RequestsPerSecond = rps
			} else if !ro.has("requests_per_second") {
				p.atPath(ro.path, ro.node, `missing required field "requests_per_second"`, "")
			}
			if b, ok := p.intField(ro, "burst", 1); ok {
				r.Burst = int(b)
			}
			c.RateLimit = r
		}
	}
	if v, ok := p.intField(o, "concurrency", 1); ok {
		c.Concurrency = int(v)
	}
	c.Retry = Retry{MaxAttempts: DefaultMaxAttempts, BackoffFactor: DefaultBackoffFactor, MaxDelay: DefaultMaxDelay, Timeout: DefaultTimeout}
	if rt := o.get("retry"); rt != nil && !isNull(rt) {
		if ro, ok := p.asObject(rt, "an object {max_attempts, backoff_factor, max_delay, timeout}"); ok {
			p.checkKeys(ro, lvRetry)
			if v, ok := p.intField(ro, "max_attempts", 1); ok {
				c.Retry.MaxAttempts = int(v)
			}
			if v, ok := p.numField(ro, "backoff_factor", false); ok {
				c.Retry.BackoffFactor = v
			}
			if v, ok := p.numField(ro, "max_delay", false); ok {
				c.Retry.MaxDelay = v
			}
			if v, ok := p.numField(ro, "timeout", true); ok {
				c.Retry.Timeout = v
			}
		}
	}
}

var hostLikeRE = regexp.MustCompile(`^(localhost|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}|\d{1,3}(\.\d{1,3}){3})(:\d+)?([/?#].*)?$`)

// checkBaseURL accepts an http(s) URL, an empty string or a relative path
// (dlt joins those as given; checkRequestURLs then requires every endpoint
// path to be a full URL), and catches a host written without a scheme. It
// returns false when it reported a problem.
func (p *parser) checkBaseURL(n *yaml.Node, s string) bool {
	if s == "" {
		return true
	}
	if hostLikeRE.MatchString(s) {
		p.at(n, fmt.Sprintf("base_url %q has no scheme", s), "add https:// (or http://) in front")
		return false
	}
	u, err := url.Parse(s)
	if err != nil {
		p.at(n, fmt.Sprintf("base_url is not a valid URL: %v", unwrapURLError(err)), "")
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "", "http", "https":
	default:
		p.at(n, fmt.Sprintf("base_url has scheme %q; only http and https are supported", u.Scheme), "")
		return false
	}
	if (u.Scheme != "") && u.Host == "" {
		p.at(n, fmt.Sprintf("base_url %q has no host", s), "write it as https://host/path")
		return false
	}
	return true
}

// schemeTypoRE catches a scheme with its colon or slashes wrong:
// http//host, https:/host, http:host.
var schemeTypoRE = regexp.MustCompile(`^(?i)(https?)(:/?|//?)([^/].*)$`)

// checkRequestURLs reports a base_url that is empty or relative (no
// scheme) when a resource's endpoint path is not a full URL either: the
// request of that resource would have no http(s) URL, which run refuses.
// A path that starts with a placeholder is left alone (it may give a full
// URL).
func (p *parser) checkRequestURLs(src *Source) {
	n := p.baseURLNode
	if n == nil {
		return
	}
	for _, r := range src.Resources {
		// the URL the request is made of (extract.JoinURL, reference §2.1)
		full := r.Endpoint.Path
		if !isHTTPURL(full) && src.Client.BaseURL != "" && full != "" {
			full = strings.TrimRight(src.Client.BaseURL, "/") + "/" + strings.TrimLeft(full, "/")
		} else if full == "" {
			full = src.Client.BaseURL
		}
		if _, err := url.Parse(full); err != nil {
			l := r.loc("endpoint")
			p.atPath(l.path, &yaml.Node{Line: l.pos.Line, Column: l.pos.Column},
				fmt.Sprintf("the URL of resource %s, %q, is not valid: %v", r.Name, full, unwrapURLError(err)), "percent-encode special characters (%25 for %)")
		}
	}
	if isHTTPURL(src.Client.BaseURL) {
		return
	}
	for _, r := range src.Resources {
		path := r.Endpoint.Path
		if isHTTPURL(path) || strings.HasPrefix(path, "{") && !strings.HasPrefix(path, "{{") {
			continue
		}
		base := src.Client.BaseURL
		if base == "" {
			p.at(n, fmt.Sprintf("base_url is empty and resource %s has the relative path %q, so its requests have no URL", r.Name, path),
				"set base_url to https://host/…, or give the endpoint path as a full URL")
			return
		}
		hint := "write it as https://host/path"
		if m := schemeTypoRE.FindStringSubmatch(base); m != nil {
			hint = fmt.Sprintf("did you mean %q?", strings.ToLower(m[1])+"://"+m[3])
		}
		p.at(n, fmt.Sprintf("base_url %q has no scheme (http:// or https://), so the requests of resource %s have no URL", base, r.Name), hint)
		return
	}
}

// isHTTPURL reports whether s is an absolute http or https URL with a
// host: what the HTTP client accepts.
func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	sc := strings.ToLower(u.Scheme)
	return (sc == "http" || sc == "https") && u.Host != ""
}

func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// headers reads a map of header names to values; scalar values are taken
// as written.
func (p *parser) headers(n *yaml.Node) map[string]string {
	if n == nil || isNull(n) {
		return nil
	}
	o, ok := p.asObject(n, "an object of header names to values")
	if !ok {
		return nil
	}
	h := make(map[string]string, len(o.keys))
	for _, k := range o.keys {
		v := o.value[k]
		if v.Kind != yaml.ScalarNode || isNull(v) {
			p.at(v, fmt.Sprintf("expected a string, got %s", describe(v)), "header values are strings")
			continue
		}
		if !validHeaderName(k) && !strings.ContainsAny(k, "{}") {
			p.atPath(p.origin[o.key[k]], o.key[k], fmt.Sprintf("%q is not a valid header name", k),
				"a header name is letters, digits and !#$%&'*+-.^_`|~ only (no spaces or colons)")
		} else if i := strings.IndexFunc(v.Value, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }); i >= 0 {
			// the value may be a secret: say where, not what
			p.at(v, fmt.Sprintf("the value of header %s has a control character (a line break?) at byte %d; HTTP cannot send it", k, i),
				"remove the line break (a value read from a file often ends with one)")
		}
		h[k] = v.Value
	}
	return h
}

// validHeaderName reports whether s is an RFC 9110 token, which net/http
// requires of a header name.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
