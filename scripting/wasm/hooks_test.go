package wasm

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/hostapi"
	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/httpclient"
	"github.com/sluicehq/sluice/runtime/jsondec"
)

// TestParse checks what validate learns from Parse alone: the module
// exists, speaks ABI 1 and implements the hook asked of it.
func TestParse(t *testing.T) {
	all, onlymap, badabi := guest(t, "all"), guest(t, "onlymap"), guest(t, "badabi")
	notWASM := filepath.Join(t.TempDir(), "x.wasm")
	if err := os.WriteFile(notWASM, []byte("not wasm"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := registries()
	for _, tt := range []struct {
		name  string
		parse func() error
		want  string // "" for no error
	}{
		{"map ok", func() error {
			_, err := r.Steps.Parse(Type, map[string]any{"kind": "map", "module": onlymap})
			return err
		}, ""},
		{"missing file", func() error {
			_, err := r.Steps.Parse(Type, map[string]any{"kind": "map", "module": "/nonexistent/x.wasm"})
			return err
		}, "module: /nonexistent/x.wasm: no such file"},
		{"missing relative to dir", func() error {
			_, err := r.Steps.Parse(Type, map[string]any{"kind": "map", "module": "bin/x.wasm", "dir": t.TempDir()})
			return err
		}, "no such file"},
		{"relative, no dir: left to Build", func() error {
			_, err := r.Steps.Parse(Type, map[string]any{"kind": "map", "module": "bin/wasm/nothing-here.wasm"})
			return err
		}, ""},
		{"relative to dir", func() error {
			_, err := r.Steps.Parse(Type, map[string]any{"kind": "map", "module": filepath.Base(onlymap), "dir": filepath.Dir(onlymap)})
			return err
		}, ""},
		{"hook not described", func() error {
			_, err := r.Paginators.Parse(Type, map[string]any{"module": onlymap})
			return err
		}, "onlymap.wasm does not implement a paginator (it implements: map)"},
		{"filter not described", func() error {
			_, err := r.Steps.Parse(Type, map[string]any{"kind": "filter", "module": onlymap})
			return err
		}, "does not implement a filter"},
		{"ABI mismatch", func() error {
			_, err := r.Auths.Parse(Type, map[string]any{"module": badabi})
			return err
		}, "badabi.wasm speaks sluice ABI 2; this sluice speaks ABI 1"},
		{"not wasm", func() error {
			_, err := r.Converts.Parse(Type, map[string]any{"module": notWASM})
			return err
		}, "not a WebAssembly module"},
		{"no module", func() error {
			_, err := r.Actions.Parse(Type, map[string]any{})
			return err
		}, "module"},
		{"bad kind", func() error {
			_, err := r.Steps.Parse(Type, map[string]any{"kind": "reduce", "module": all})
			return err
		}, "kind"},
		{"unknown field", func() error {
			_, err := r.Steps.Parse(Type, map[string]any{"kind": "map", "module": all, "modul": "x"})
			return err
		}, "modul"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.parse()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want != "" && err == nil:
				t.Fatalf("no error, want one saying %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

// TestBuildResolvesAgainstDir checks that Build finds a relative module
// in the pipeline's folder, and names the path when it is not there.
func TestBuildResolvesAgainstDir(t *testing.T) {
	p := guest(t, "onlymap")
	r := registries()
	args := map[string]any{"kind": "map", "module": filepath.Base(p)}
	s, err := r.Steps.New(context.Background(), Type, args, &extension.Env{Dir: filepath.Dir(p)})
	if err != nil {
		t.Fatal(err)
	}
	closeAfter(t, s)
	dir := t.TempDir()
	_, err = r.Steps.New(context.Background(), Type, args, &extension.Env{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "onlymap.wasm")+": no such file") {
		t.Fatalf("got %v", err)
	}
}

// TestHostAPI checks the sluice_v1 imports against hostapi, the WASI
// clock against the injected one, the KV store and the log.
func TestHostAPI(t *testing.T) {
	var logs bytes.Buffer
	at := time.Date(2024, 5, 1, 12, 30, 0, 123e6, time.UTC)
	kv := extension.NewMemoryKV(nil)
	env := &extension.Env{Now: func() time.Time { return at }, KV: kv,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	s := newStep(t, "map", guest(t, "all"), map[string]any{"mode": "host"}, env)
	for i, want := range []any{nil, int64(1)} {
		got, err := s.Apply(context.Background(), []any{map[string]any{}})
		if err != nil {
			t.Fatal(err)
		}
		rec := got[0].(map[string]any)
		h, _ := hostapi.HmacSha256Hex(hostapi.Hex("k"), "abc")
		for k, v := range map[string]any{
			"sha": hostapi.Sha256("abc"), "hmac": hostapi.HmacSha256("k", "abc"), "hmac_hex": h,
			"b64": "aGVsbG8=", "hex": "6869", "now": "2024-05-01T12:30:00.123Z", "go_now": "2024-05-01T12:30:00Z",
			"kv_before": want,
		} {
			if rec[k] != v {
				t.Errorf("call %d: %s = %v, want %v", i, k, rec[k], v)
			}
		}
	}
	if v, _ := kv.Get("n"); v == nil {
		t.Error("kv_set kept nothing")
	}
	if !strings.Contains(logs.String(), "hello from the guest") || !strings.Contains(logs.String(), "wasm map all.wasm") {
		t.Errorf("the log does not have the guest's line naming the hook: %s", logs.String())
	}
}

// TestAuth signs requests to a server that checks the signature.
func TestAuth(t *testing.T) {
	const secret = "s3cr3t-key"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		want := hostapi.HmacSha256(secret, r.Method+" "+r.URL.Path+" "+string(body))
		if r.Header.Get("X-Signature") != want || r.URL.Query().Get("signed") != "1" {
			http.Error(w, "bad signature", http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok": true}`))
	}))
	defer srv.Close()
	a, err := registries().Auths.New(context.Background(), Type,
		map[string]any{"module": guest(t, "all"), "config": map[string]any{"secret_key": secret}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	closeAfter(t, a)
	if got := a.Secrets(); len(got) != 1 || got[0] != secret {
		t.Errorf("secrets %v", got)
	}
	c := httpclient.New(httpclient.Options{Retry: &httpclient.RetryPolicy{MaxAttempts: 1, Timeout: httpclient.DefaultTimeout}, UserAgent: "sluice/test"})
	for _, req := range []*extension.Request{
		{Method: "GET", URL: srv.URL + "/a/b?x=1"},
		{Method: "POST", URL: srv.URL + "/search", JSON: map[string]any{"q": "x"}},
	} {
		if err := a.Authenticate(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		resp, err := c.Do(context.Background(), req, nil)
		if err != nil {
			t.Fatalf("%s %s: %v", req.Method, req.URL, err)
		}
		if resp.Status != 200 {
			t.Errorf("%s: status %d", req.URL, resp.Status)
		}
	}
}

func TestActionAndConvert(t *testing.T) {
	r := registries()
	act, err := r.Actions.New(context.Background(), Type,
		map[string]any{"module": guest(t, "all"), "config": map[string]any{"path": "error", "action": "retry"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	closeAfter(t, act)
	dec := jsondec.New()
	for body, want := range map[string]extension.Verdict{
		`{"error": {"code": 1}}`: extension.Retry,
		`{"error": null}`:        extension.Continue,
		`{"data": []}`:           extension.Continue,
		`not json`:               extension.Continue,
	} {
		v, err := act.Act(context.Background(), extension.NewResponse(200, http.Header{}, []byte(body), "http://x/", dec))
		if err != nil || v != want {
			t.Errorf("%s: %v %v, want %v", body, v, err, want)
		}
	}
	conv, err := r.Converts.New(context.Background(), Type, map[string]any{"module": guest(t, "all")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	closeAfter(t, conv)
	v, err := conv.Convert(context.Background(), "2024-05-01T00:00:00Z")
	if err != nil || v != int64(1714521600) {
		t.Errorf("convert: %v %v", v, err)
	}
	if _, err := conv.Convert(context.Background(), int64(5)); err == nil || !strings.Contains(err.Error(), "wasm convert all.wasm: want a string") {
		t.Errorf("convert of a number: %v", err)
	}
}
