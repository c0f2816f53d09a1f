package cel

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/traits"

	"github.com/sluicehq/sluice/runtime/extension"
)

// action is a response action written in CEL: an expression over
// `response` ({status, headers, body}) that gives "continue", "ignore",
// "retry" or "fail", or an object with a new status, headers or body
// (then the response goes on changed, as with "continue").
type action struct{ p *program }

var _ extension.ResponseAction = (*action)(nil)

var verdicts = map[string]extension.Verdict{
	"continue": extension.Continue,
	"ignore":   extension.Ignore,
	"retry":    extension.Retry,
	"fail":     extension.Fail,
}

// Act evaluates the expression over resp.
func (a *action) Act(ctx context.Context, resp *extension.Response) (extension.Verdict, error) {
	ctx, cancel := a.p.call(ctx)
	defer cancel()
	out, err := a.p.eval(ctx, &activation{name: varResponse, value: responseValue(resp), config: a.p.config})
	if err != nil {
		return extension.Continue, err
	}
	switch t := out.(type) {
	case types.String:
		if v, ok := verdicts[strings.ToLower(string(t))]; ok {
			return v, nil
		}
	case traits.Mapper:
		m, err := toJSON(t)
		if err != nil {
			return extension.Continue, fmt.Errorf("the CEL response action's result: %w", err)
		}
		return extension.Continue, applyResponse(resp, m.(map[string]any))
	}
	return extension.Continue, fmt.Errorf(`a CEL response action must give "continue", "ignore", "retry" or "fail", or an object with status, headers or body; this one gave the %s`, describeVal(out))
}

// responseValue is what the expression sees as `response`: the status,
// the headers as an object of strings with lowercase keys (repeated
// headers joined with ", "), and the body decoded as JSON, or its text
// when it is not JSON.
func responseValue(resp *extension.Response) map[string]any {
	headers := make(map[string]any, len(resp.Header))
	for k, vs := range resp.Header {
		headers[strings.ToLower(k)] = strings.Join(vs, ", ")
	}
	var body any
	if b, err := resp.JSON(); err == nil {
		body = b
	} else {
		body = string(resp.Body)
	}
	return map[string]any{"status": int64(resp.Status), "headers": headers, "body": body}
}

// applyResponse applies the changes an action returned to resp: a new
// status, headers set (each replacing the header of that name; null
// removes it) and a new decoded body.
func applyResponse(resp *extension.Response, m map[string]any) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch k {
		case "status", "headers", "body":
		default:
			return fmt.Errorf("a CEL response action's object may have status, headers and body; %q is none of them", k)
		}
	}
	if s, ok := m["status"]; ok {
		n, ok := s.(int64)
		if !ok || n < 100 || n > 599 {
			return fmt.Errorf("a CEL response action's status must be an integer from 100 to 599, got %v", s)
		}
		resp.Status = int(n)
	}
	if h, ok := m["headers"]; ok {
		hm, ok := h.(map[string]any)
		if !ok {
			return fmt.Errorf("a CEL response action's headers must be an object of strings, got %v", h)
		}
		next := resp.Header.Clone()
		if next == nil {
			next = http.Header{}
		}
		for k, v := range hm {
			switch t := v.(type) {
			case nil:
				next.Del(k)
			case string:
				next.Set(k, t)
			default:
				return fmt.Errorf("a CEL response action's header %q must be a string or null, got %v", k, v)
			}
		}
		resp.Header = next
	}
	if b, ok := m["body"]; ok {
		resp.SetJSON(b)
	}
	return nil
}
