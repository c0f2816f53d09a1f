package cel

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/jsondec"
)

// apiServer answers each path with a status, a content type and a body,
// as a real API does.
func apiServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/missing":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(404)
			io.WriteString(w, `{"error": {"code": "NOT_FOUND", "message": "no such user"}}`)
		case "/busy":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.WriteHeader(200)
			io.WriteString(w, `{"error": {"code": "RATE_LIMITED"}, "items": []}`)
		case "/text":
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(500)
			io.WriteString(w, "oops: database down")
		case "/empty":
			w.WriteHeader(204)
		default:
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"items": [{"id": 1}], "total": 1}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, srv *httptest.Server, path string) *extension.Response {
	t.Helper()
	res, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return extension.NewResponse(res.StatusCode, res.Header, body, srv.URL+path, jsondec.New())
}

func TestAction(t *testing.T) {
	srv := apiServer(t)
	reg := registries(t)
	tests := []struct {
		src, path string
		config    map[string]any
		want      extension.Verdict
	}{
		{`response.status == 404 ? "ignore" : "continue"`, "/missing", nil, extension.Ignore},
		{`response.status == 404 ? "ignore" : "continue"`, "/ok", nil, extension.Continue},
		{`response.body.error.code == "NOT_FOUND" ? "ignore" : "fail"`, "/missing", nil, extension.Ignore},
		{`has(response.body.error) && response.body.error.code == config.retry_on ? "retry" : "continue"`, "/busy", map[string]any{"retry_on": "RATE_LIMITED"}, extension.Retry},
		{`response.headers["x-ratelimit-remaining"] == "0" ? "retry" : "continue"`, "/busy", nil, extension.Retry},
		{`response.headers["content-type"].startsWith("text/") && response.body.startsWith("oops") ? "fail" : "continue"`, "/text", nil, extension.Fail},
		{`response.body == null ? "ignore" : "continue"`, "/empty", nil, extension.Ignore},
		{`"FAIL"`, "/ok", nil, extension.Fail},
	}
	for _, tt := range tests {
		args := map[string]any{"source": tt.src}
		if tt.config != nil {
			args["config"] = tt.config
		}
		a, err := reg.Actions.New(context.Background(), Type, args, nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.src, err)
		}
		v, err := a.Act(context.Background(), get(t, srv, tt.path))
		if err != nil || v != tt.want {
			t.Errorf("%s on %s = %v, %v; want %v", tt.src, tt.path, v, err, tt.want)
		}
	}
}

// An action may return a changed response, which then goes on.
func TestActionChangesResponse(t *testing.T) {
	srv := apiServer(t)
	a, err := registries(t).Actions.New(context.Background(), Type, map[string]any{
		"source": `response.status == 404 ? {"status": 200, "headers": {"X-Note": "was 404", "content-type": null}, "body": {"items": [], "total": 0}} : dyn("continue")`,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp := get(t, srv, "/missing")
	orig := resp.Header
	v, err := a.Act(context.Background(), resp)
	if err != nil || v != extension.Continue {
		t.Fatalf("%v, %v", v, err)
	}
	body, _ := resp.JSON()
	if resp.Status != 200 || resp.Header.Get("X-Note") != "was 404" || resp.Header.Get("Content-Type") != "" ||
		!equalJSON(body, map[string]any{"items": []any{}, "total": int64(0)}) {
		t.Fatalf("response %d %v %#v", resp.Status, resp.Header, body)
	}
	if orig.Get("Content-Type") == "" {
		t.Fatal("the action changed the headers it was given instead of replacing them")
	}
}

func TestActionErrors(t *testing.T) {
	srv := apiServer(t)
	reg := registries(t)
	for _, tt := range []struct{ src, msg string }{
		{`response.status == 200 ? "maybe" : "continue"`, `must give "continue", "ignore", "retry" or "fail"`},
		{`dyn(response.status)`, "this one gave the integer 200"},
		{`{"status": 42}`, "status must be an integer from 100 to 599"},
		{`{"code": 200}`, `"code" is none of them`},
		{`{"headers": {"a": 1}}`, `header "a" must be a string or null`},
		{`response.body.nope == 1 ? "fail" : "continue"`, "no such key: nope"},
	} {
		a, err := reg.Actions.New(context.Background(), Type, map[string]any{"source": tt.src}, nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.src, err)
		}
		_, err = a.Act(context.Background(), get(t, srv, "/ok"))
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: error %v, want %q", tt.src, err, tt.msg)
		}
	}
	for _, tt := range []struct{ src, msg string }{
		{`"maybe"`, `"maybe" is none of them`},
		{`404`, "the CEL expression gives int; it must give string or map(string, dyn)"},
		{`response.status ==`, "Syntax error"},
		{`item.id == 1 ? "fail" : "continue"`, "undeclared reference to 'item'"},
	} {
		_, err := reg.Actions.Parse(Type, map[string]any{"source": tt.src})
		var ae *extension.ArgError
		if !errors.As(err, &ae) || ae.Field != "source" || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: parse error %v, want %q at source", tt.src, err, tt.msg)
		}
	}
}
