package js

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"

	"github.com/dop251/goja"
	"github.com/sluicehq/sluice/runtime/extension"
)

// AuthSpec describes the js auth.
var AuthSpec = extension.Spec{
	Summary: "A JavaScript auth: a script that defines auth(request), which returns the request with headers or query set (e.g. a signature).",
	Fields: []extension.Field{
		{Name: "script", Type: extension.TypeString, Required: true,
			Doc: "defines `function auth(request)` returning the request, or {headers?, query?}: the values it sets or changes are sent, null removes one"},
		{Name: extension.HookConfig, Type: extension.TypeObject,
			Doc: "values the script reads as host.config; the strings under names with key, secret, token or password in them are secrets, masked in logs"},
	},
}

// secretName is what makes a config field's string values secrets.
var secretName = regexp.MustCompile(`(?i)key|secret|token|password|passwd|credential`)

// ParseAuth compiles the script of a js auth.
func ParseAuth(args *extension.Args) (extension.Builder[extension.Authenticator], error) {
	src := args.String("script", "")
	config := args.Map(extension.HookConfig)
	prog, err := compileScript("js auth", src, "auth", "auth")
	if err != nil {
		args.Fail("script", "%v", err)
	}
	if err := args.Err(); err != nil {
		return nil, err
	}
	var secrets []string
	collectSecrets(config, false, &secrets)
	return extension.BuilderFunc[extension.Authenticator](func(_ context.Context, env *extension.Env) (extension.Authenticator, error) {
		p, err := newPool(prog, 1, env, "js auth", config)
		return &Auth{pool: p, secrets: secrets}, err
	}), nil
}

// collectSecrets appends the string values under secret-looking names in
// v, at any depth (under such a name, every string below is a secret).
func collectSecrets(v any, secret bool, out *[]string) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			collectSecrets(e, secret || secretName.MatchString(k), out)
		}
	case []any:
		for _, e := range t {
			collectSecrets(e, secret, out)
		}
	case string:
		if secret && t != "" && !slices.Contains(*out, t) {
			*out = append(*out, t)
		}
	}
}

// Auth is a built js auth; it is safe for concurrent use. Every call runs
// the script's top level afresh, so no state passes between requests.
type Auth struct {
	pool    *pool
	secrets []string
}

// Type names the auth in errors.
func (a *Auth) Type() string { return "js" }

// Secrets returns the secret-looking strings of the config.
func (a *Auth) Secrets() []string { return a.secrets }

// Authenticate calls auth(request) and applies the headers and query
// parameters it set or changed. It fails when the script changed the
// method, the scheme or the host.
func (a *Auth) Authenticate(ctx context.Context, req *extension.Request) error {
	v, err := a.pool.get()
	if err != nil {
		return err
	}
	defer a.pool.put(v)
	err = v.run(ctx, func() error {
		given, err := requestValue(req)
		if err != nil {
			return err
		}
		fns, err := v.fn(goja.Undefined())
		if err != nil {
			return err
		}
		auth, ok := goja.AssertFunction(fns.(*goja.Object).Get("0"))
		if !ok {
			return errors.New("auth is not a function")
		}
		res, err := auth(goja.Undefined(), toJS(v.rt, given))
		if err != nil {
			return err
		}
		out, err := fromJS(res)
		if err != nil {
			return err
		}
		m, ok := out.(map[string]any)
		if !ok {
			return fmt.Errorf("returned %s: return the request with its headers or query set", describe(out))
		}
		return applyAuth(req, given, m)
	})
	if err != nil {
		return fmt.Errorf("js auth: %w", err)
	}
	return nil
}

// applyAuth applies what auth returned to req: the headers and query
// parameters that differ from those given (null removes one); a changed
// url keeps its scheme and host.
func applyAuth(req *extension.Request, given, got map[string]any) error {
	for k, v := range got {
		switch k {
		case "method":
			if v != given["method"] {
				return fmt.Errorf("changed the method to %v: an auth may set headers and query parameters only", v)
			}
		case "path":
			if v != given["path"] {
				return fmt.Errorf("changed path to %v, which is read-only: change url (same scheme and host) instead", v)
			}
		case "url", "headers", "query", "body": // body is read-only: shown for signing
		default:
			return fmt.Errorf("returned a field %q: the request has method, url, path, query, headers and body", k)
		}
	}
	if v, ok := got["url"]; ok {
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("returned url %v: it must be a string", v)
		}
		if s != req.URL {
			was, _ := url.Parse(req.URL)
			now, err := url.Parse(s)
			if err != nil {
				return fmt.Errorf("returned url %q: %w", s, err)
			}
			if now.Scheme != was.Scheme || now.Host != was.Host {
				return fmt.Errorf("changed the scheme or host of the URL to %s://%s: an auth may set headers and query parameters only", now.Scheme, now.Host)
			}
			req.URL = s
		}
	}
	if v, ok := got["headers"]; ok {
		gh, _ := given["headers"].(map[string]any)
		if err := setHeaders(req, v, gh, "headers"); err != nil {
			return err
		}
	}
	if v, ok := got["query"]; ok {
		gq, _ := given["query"].(map[string]any)
		if err := setQuery(req, v, gq, "query"); err != nil {
			return err
		}
	}
	return nil
}

var _ extension.Authenticator = (*Auth)(nil)
