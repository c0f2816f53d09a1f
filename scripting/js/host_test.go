package js

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/hostapi"
	"github.com/sluicehq/sluice/runtime/extension"
)

// convert builds a js convert over value, for tests of the globals.
func convert(t *testing.T, src string, config map[string]any, env *extension.Env) extension.Converter {
	t.Helper()
	args := map[string]any{"source": src}
	if config != nil {
		args["config"] = config
	}
	c, err := registries().Converts.New(context.Background(), Type, args, env)
	if err != nil {
		t.Fatalf("%q: %v", src, err)
	}
	return c
}

func eval(t *testing.T, c extension.Converter, v any) any {
	t.Helper()
	out, err := c.Convert(context.Background(), v)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestHostMatchesDescription: every function hostapi.Functions describes
// for JS exists on host, as what it says (a function or a value).
func TestHostMatchesDescription(t *testing.T) {
	for _, f := range hostapi.Functions {
		path, isCall, _ := strings.Cut(f.JS, "(")
		want := "object"
		if isCall != "" || strings.Contains(f.JS, "(") {
			want = "function"
		}
		got := eval(t, convert(t, "typeof "+path, nil, nil), "x")
		if got != want {
			t.Errorf("%s (%s): typeof %s is %v, want %s", f.Name, f.JS, path, got, want)
		}
	}
}

// TestHostFunctions: each host function gives what hostapi gives.
func TestHostFunctions(t *testing.T) {
	clock := func() time.Time { return time.Date(2024, 5, 1, 12, 30, 0, 0, time.UTC) }
	env := &extension.Env{Now: clock}
	hmacHex, _ := hostapi.HmacSha256Hex(hostapi.Hex("Jefe"), "what do ya want for nothing?")
	tests := []struct {
		src  string
		want any
	}{
		{`host.sha256(value)`, hostapi.Sha256("abc")},
		{`host.hmacSha256("Jefe", "what do ya want for nothing?")`, hostapi.HmacSha256("Jefe", "what do ya want for nothing?")},
		{`host.hmacSha256Hex(host.hex("Jefe"), "what do ya want for nothing?")`, hmacHex},
		{`host.base64("user:" + value)`, hostapi.Base64("user:abc")},
		{`host.hex(value)`, "616263"},
		{`host.now()`, "2024-05-01T12:30:00.000Z"},
		{`new Date().toISOString()`, "2024-05-01T12:30:00.000Z"},
		{`host.config.region + "/" + host.config.nested.list[1]`, "eu/b"},
		{`JSON.stringify(host.config)`, `{"nested":{"list":["a","b"]},"region":"eu"}`},
	}
	config := map[string]any{"region": "eu", "nested": map[string]any{"list": []any{"a", "b"}}}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			if got := eval(t, convert(t, tt.src, config, env), "abc"); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	for _, src := range []string{`host.sha256(1)`, `host.hmacSha256Hex("zz", "x")`, `host.log("info")`} {
		if _, err := convert(t, src, nil, nil).Convert(context.Background(), "x"); err == nil || !strings.Contains(err.Error(), "TypeError") {
			t.Errorf("%s: %v, want a TypeError", src, err)
		}
	}
}

// TestHostKV: what one hook sets, the next call and another hook of the
// resource get back; the store holds JSON values.
func TestHostKV(t *testing.T) {
	kv := extension.NewMemoryKV(map[string]any{"seen": int64(41)})
	env := &extension.Env{KV: kv}
	s := newStep(t, "map", `{ host.kv.set("seen", host.kv.get("seen") + 1); host.kv.set("last", {id: item.id, tags: item.tags}); return item }`, env)
	recs := users(3)
	if _, err := s.Apply(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	snap := kv.Snapshot()
	if snap["seen"] != int64(44) {
		t.Errorf("seen = %#v", snap["seen"])
	}
	want := map[string]any{"id": int64(3), "tags": recs[2].(map[string]any)["tags"]}
	if !reflect.DeepEqual(snap["last"], want) {
		t.Errorf("last = %#v, want %#v", snap["last"], want)
	}
	if got := eval(t, convert(t, `host.kv.get("missing") === null && host.kv.get("last").id === 3`, nil, env), "x"); got != true {
		t.Errorf("get: %v", got)
	}
	if _, err := convert(t, `host.kv.set("k", () => 1)`, nil, env).Convert(context.Background(), "x"); err == nil {
		t.Error("a function was kept")
	}
}

// TestHostLog: host.log and console log at their levels with the
// resource and the hook named.
func TestHostLog(t *testing.T) {
	var buf bytes.Buffer
	env := &extension.Env{Resource: "users", Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	eval(t, convert(t, `host.log("warn", "careful " + value), console.log("dbg", {a: 1}), console.error("bad"), 1`, nil, env), "x")
	out := buf.String()
	for _, want := range []string{`level=WARN msg="careful x" resource=users hook="js convert"`, `level=DEBUG msg="dbg {\"a\":1}"`, `level=ERROR msg=bad`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
}

// TestSandbox: nothing but the host API is there, and it cannot be
// replaced, nor can the built-ins a pooled runtime keeps between calls.
func TestSandbox(t *testing.T) {
	absent := `[typeof require, typeof process, typeof fetch, typeof XMLHttpRequest, typeof setTimeout, typeof module, typeof Deno].join()`
	if got := eval(t, convert(t, absent, nil, nil), "x"); got != strings.Repeat("undefined,", 6)+"undefined" {
		t.Errorf("globals: %v", got)
	}
	for _, src := range []string{
		`host.sha256 = () => "x"`,
		`host.kv.get = null`,
		`host.config.region = "us"`,
		`host = {}`,
		`globalThis.leak = 1`,
		`Object.prototype.polluted = 1`,
		`Array.prototype.map = null`,
		`JSON.parse = null`,
		`undeclared = 1`,
	} {
		t.Run(src, func(t *testing.T) {
			_, err := convert(t, src, map[string]any{"region": "eu"}, nil).Convert(context.Background(), "x")
			if err == nil || !strings.Contains(err.Error(), "Error") {
				t.Errorf("got %v, want it refused", err)
			}
		})
	}
	// A record with fields named like Object.prototype's still goes in.
	out, err := newStep(t, "map", `({...item, n: Object.keys(item).length})`, nil).Apply(context.Background(),
		[]any{map[string]any{"constructor": "c", "toString": "t", "__proto__": "p"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"constructor": "c", "toString": "t", "__proto__": "p", "n": int64(3)}; !reflect.DeepEqual(out[0], want) {
		t.Errorf("got %v", out[0])
	}
}

// TestDocsNameEveryHostFunction: docs/scripting-js.md lists every JS
// name of hostapi.Functions.
func TestDocsNameEveryHostFunction(t *testing.T) {
	doc, err := os.ReadFile("../../docs/scripting-js.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range hostapi.Functions {
		if !strings.Contains(string(doc), "`"+f.JS+"`") {
			t.Errorf("docs/scripting-js.md does not show `%s`", f.JS)
		}
	}
}
