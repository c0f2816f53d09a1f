package js

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/dop251/goja"
	"github.com/sluicehq/sluice/runtime/extension"
)

// ActionSpec describes a js response action.
var ActionSpec = extension.Spec{
	Summary: "A JavaScript response action: an expression over `response` that returns \"continue\", \"ignore\", \"retry\", \"fail\" or a changed response.",
	Fields: []extension.Field{
		{Name: extension.HookSource, Type: extension.TypeString, Required: true,
			Doc: "the expression over response {status, headers, body}, e.g. `response.body.error ? \"retry\" : \"continue\"`, or a function body with return"},
		{Name: extension.HookConfig, Type: extension.TypeObject,
			Doc: "values the snippet reads as host.config"},
	},
}

// ParseAction compiles the snippet of a response action.
func ParseAction(args *extension.Args) (extension.Builder[extension.ResponseAction], error) {
	src := args.String(extension.HookSource, "")
	config := args.Map(extension.HookConfig)
	prog, offset, err := compileSnippet("js response action", "response", src)
	if err != nil {
		args.Fail(extension.HookSource, "%v", err)
	}
	if err := args.Err(); err != nil {
		return nil, err
	}
	return extension.BuilderFunc[extension.ResponseAction](func(_ context.Context, env *extension.Env) (extension.ResponseAction, error) {
		p, err := newPool(prog, offset, env, "js response action", config)
		return &Action{pool: p}, err
	}), nil
}

// Action is a built js response action; it is safe for concurrent use.
type Action struct{ pool *pool }

// verdicts are the strings an action may return.
var verdicts = map[string]extension.Verdict{
	"continue": extension.Continue, "ignore": extension.Ignore,
	"retry": extension.Retry, "fail": extension.Fail,
}

// Act calls the snippet with the response. A verdict string decides; an
// object is a changed response ({status?, headers?, body?}), applied to
// resp, and the verdict is continue; undefined or null is continue too.
func (a *Action) Act(ctx context.Context, resp *extension.Response) (extension.Verdict, error) {
	v, err := a.pool.get()
	if err != nil {
		return extension.Continue, err
	}
	defer a.pool.put(v)
	verdict := extension.Continue
	err = v.run(ctx, func() error {
		res, err := v.call(responseJS(v.rt, resp))
		if err != nil {
			return err
		}
		if goja.IsUndefined(res) || goja.IsNull(res) {
			return nil
		}
		out, err := fromJS(res)
		if err != nil {
			return err
		}
		switch t := out.(type) {
		case string:
			vd, ok := verdicts[strings.ToLower(t)]
			if !ok {
				return fmt.Errorf("returned %q: return \"continue\", \"ignore\", \"retry\", \"fail\" or a changed response {status, headers, body}", t)
			}
			verdict = vd
			return nil
		case map[string]any:
			return applyResponse(resp, t)
		}
		return fmt.Errorf("returned %s: return \"continue\", \"ignore\", \"retry\", \"fail\" or a changed response {status, headers, body}", describe(out))
	})
	if err != nil {
		return extension.Continue, fmt.Errorf("js response action: %w", err)
	}
	return verdict, nil
}

// responseJS is the response as a script sees it: status, headers
// (lowercase names, values joined with ", ") and body (the decoded JSON,
// else the text). The body is a view (see lazyObject): a paginator that
// reads one field of a page of records does not copy the page.
func responseJS(rt *goja.Runtime, resp *extension.Response) goja.Value {
	v := responseValue(resp)
	o := rt.NewObject()
	_ = o.Set("status", toJS(rt, v["status"]))
	_ = o.Set("headers", toJS(rt, v["headers"]))
	_ = o.Set("body", lazyJS(rt, v["body"]))
	return o
}

// responseValue is the response as JSON values.
func responseValue(resp *extension.Response) map[string]any {
	var body any
	if len(resp.Body) > 0 {
		if j, err := resp.JSON(); err == nil {
			body = j
		} else {
			body = string(resp.Body)
		}
	} else if j, err := resp.JSON(); err == nil {
		body = j // set by SetJSON
	}
	return map[string]any{"status": int64(resp.Status), "headers": headerValue(resp.Header), "body": body}
}

// headerValue is h with lowercase names and values joined with ", ".
func headerValue(h http.Header) map[string]any {
	out := make(map[string]any, len(h))
	for k, vs := range h {
		out[strings.ToLower(k)] = strings.Join(vs, ", ")
	}
	return out
}

// applyResponse applies a changed response {status?, headers?, body?} to
// resp. headers, when given, replace the response's headers.
func applyResponse(resp *extension.Response, ch map[string]any) error {
	for k, v := range ch {
		switch k {
		case "status":
			n, err := extension.ToInt(v)
			if err != nil || n < 100 || n > 999 {
				return fmt.Errorf("the changed response's status must be an HTTP status code, got %v", v)
			}
			resp.Status = int(n)
		case "headers":
			h, err := toHeader(v, "the changed response's headers")
			if err != nil {
				return err
			}
			resp.Header = h
		case "body":
			resp.SetJSON(v)
		default:
			return fmt.Errorf("the changed response has a field %q: it takes status, headers and body", k)
		}
	}
	return nil
}

// toHeader turns an object of header values (strings, numbers, or lists
// of them) into an http.Header.
func toHeader(v any, what string) (http.Header, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s must be an object, got %s", what, describe(v))
	}
	h := make(http.Header, len(m))
	for k, e := range m {
		vals, err := headerValues(e)
		if err != nil {
			return nil, fmt.Errorf("%s: %s %w", what, k, err)
		}
		for _, s := range vals {
			h.Add(k, s)
		}
	}
	return h, nil
}

// headerValues is a header or query value as strings: a string, a number,
// a boolean or a list of them.
func headerValues(v any) ([]string, error) {
	switch t := v.(type) {
	case string:
		return []string{t}, nil
	case int64:
		return []string{strconv.FormatInt(t, 10)}, nil
	case float64:
		return []string{strconv.FormatFloat(t, 'f', -1, 64)}, nil
	case bool:
		return []string{strconv.FormatBool(t)}, nil
	case []any:
		var out []string
		for _, e := range t {
			s, err := headerValues(e)
			if err != nil || len(s) != 1 {
				return nil, fmt.Errorf("must be a string or a list of strings")
			}
			out = append(out, s...)
		}
		return out, nil
	}
	return nil, fmt.Errorf("must be a string or a list of strings, got %s", describe(v))
}

var _ extension.ResponseAction = (*Action)(nil)
