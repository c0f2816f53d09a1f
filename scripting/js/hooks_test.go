package js

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/runtime/extension"
)

// jsonDec decodes as the engine's decoder does: int64 for whole numbers.
type jsonDec struct{}

func (jsonDec) Decode(b []byte) (any, error) {
	var v any
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return plain(v), nil
}

// TestSpecs: each type's declared fields are what its parse step reads.
func TestSpecs(t *testing.T) {
	r := registries()
	if !r.Steps.Has(Type) || !r.Converts.Has(Type) || !r.Actions.Has(Type) || !r.Paginators.Has(Type) || !r.Auths.Has(Type) {
		t.Fatal("js is not registered in every registry")
	}
	for _, err := range []error{r.Steps.CheckSpecs(), r.Converts.CheckSpecs(), r.Actions.CheckSpecs(), r.Paginators.CheckSpecs(), r.Auths.CheckSpecs()} {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestConvert: incremental.convert turns a timestamp into what the API
// takes.
func TestConvert(t *testing.T) {
	tests := []struct {
		src  string
		in   any
		want any
	}{
		{`Math.floor(Date.parse(value) / 1000)`, "2024-05-01T00:00:00Z", int64(1714521600)},
		{`value.slice(0, 10)`, "2024-05-01T00:00:00Z", "2024-05-01"},
		{`value + host.config.step`, int64(40), int64(42)},
		{`return value * 1.5`, int64(3), 4.5},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			if got := eval(t, convert(t, tt.src, map[string]any{"step": 2}, nil), tt.in); got != tt.want {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
	if _, err := convert(t, `undefined`, nil, nil).Convert(context.Background(), "x"); err == nil || !strings.Contains(err.Error(), "returned undefined") {
		t.Errorf("undefined: %v", err)
	}
}

func response(status int, body string, h http.Header) *extension.Response {
	if h == nil {
		h = http.Header{"Content-Type": {"application/json"}}
	}
	return extension.NewResponse(status, h, []byte(body), "http://api/x", jsonDec{})
}

// TestAction: a response action decides from the status, headers and
// body, or changes the response.
func TestAction(t *testing.T) {
	tests := []struct {
		name, src string
		resp      *extension.Response
		want      extension.Verdict
		check     func(t *testing.T, r *extension.Response)
	}{
		{"retry on an error in a 200", `response.body.error === "busy" ? "retry" : "continue"`, response(200, `{"error":"busy"}`, nil), extension.Retry, nil},
		{"continue", `response.body.error === "busy" ? "retry" : "continue"`, response(200, `{"data":[]}`, nil), extension.Continue, nil},
		{"ignore by header", `response.headers["x-deprecated"] ? "ignore" : null`, response(404, `{}`, http.Header{"X-Deprecated": {"1"}}), extension.Ignore, nil},
		{"fail on text", `response.body.startsWith("<html") ? "FAIL" : "continue"`, response(502, `<html>bad gateway</html>`, http.Header{"Content-Type": {"text/html"}}), extension.Fail, nil},
		{"undefined continues", `{ if (response.status == 500) return "retry" }`, response(404, `{}`, nil), extension.Continue, nil},
		{"changed response", `({status: 200, body: {data: response.body.items}, headers: {"x-fixed": "yes"}})`, response(203, `{"items":[1,2]}`, nil), extension.Continue,
			func(t *testing.T, r *extension.Response) {
				body, _ := r.JSON()
				if r.Status != 200 || r.Header.Get("X-Fixed") != "yes" || !reflect.DeepEqual(body, map[string]any{"data": []any{int64(1), int64(2)}}) {
					t.Errorf("got %d %v %v", r.Status, r.Header, body)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := registries().Actions.New(context.Background(), Type, map[string]any{"source": tt.src}, nil)
			if err != nil {
				t.Fatal(err)
			}
			v, err := a.Act(context.Background(), tt.resp)
			if err != nil || v != tt.want {
				t.Fatalf("got %v, %v; want %v", v, err, tt.want)
			}
			if tt.check != nil {
				tt.check(t, tt.resp)
			}
		})
	}
	for src, want := range map[string]string{
		`"skip"`:              `returned "skip": return "continue"`,
		`42`:                  "returned a number",
		`({status: "x"})`:     "status must be an HTTP status code",
		`({code: 200})`:       `has a field "code"`,
		`response.body.x.y`:   "threw TypeError",
		`({headers: "x: 1"})`: "headers must be an object",
	} {
		a, err := registries().Actions.New(context.Background(), Type, map[string]any{"source": src}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Act(context.Background(), response(200, `{}`, nil)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", src, err, want)
		}
	}
}
