package hostapi

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"
)

type mapKV map[string]any

func (m mapKV) Get(k string) (any, bool)  { v, ok := m[k]; return v, ok }
func (m mapKV) Set(k string, v any) error { m[k] = v; return nil }

func TestCrypto(t *testing.T) {
	// RFC 4231 test case 2 and well-known digests
	tests := []struct{ name, got, want string }{
		{"sha256 empty", Sha256(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"sha256 abc", Sha256("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"hmac rfc4231 #2", HmacSha256("Jefe", "what do ya want for nothing?"), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
		{"base64", Base64("user:pass"), "dXNlcjpwYXNz"},
		{"hex", Hex("hi!"), "686921"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %s, want %s", tt.name, tt.got, tt.want)
		}
	}
	chained, err := HmacSha256Hex(Hex("Jefe"), "what do ya want for nothing?")
	if err != nil || chained != tests[2].want {
		t.Errorf("HmacSha256Hex = %s, %v", chained, err)
	}
	if _, err := HmacSha256Hex("zz", "x"); err == nil {
		t.Error("a key that is not hex was accepted")
	}
}

func TestHost(t *testing.T) {
	var logs bytes.Buffer
	h := &Host{
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:    func() time.Time { return time.Date(2024, 5, 1, 12, 0, 0, 0, time.FixedZone("x", 3600)) },
		KV:     mapKV{"n": json.Number("42"), "obj": map[string]any{"f": json.Number("1.5")}},
	}
	if got := h.NowRFC3339(); got != "2024-05-01T11:00:00.000Z" {
		t.Errorf("now = %s", got)
	}
	if err := h.Log("warn", "careful"); err != nil || !strings.Contains(logs.String(), "level=WARN msg=careful") {
		t.Errorf("log: %v, %q", err, logs.String())
	}
	if err := h.Log("loud", "x"); err == nil {
		t.Error("an unknown level was accepted")
	}
	if v, ok := h.KVGet("n"); !ok || v != int64(42) {
		t.Errorf("kv n = %#v", v)
	}
	if v, _ := h.KVGet("obj"); v.(map[string]any)["f"] != 1.5 {
		t.Errorf("kv obj = %#v", v)
	}
	if err := h.KVSet("k", map[string]any{"a": []any{1, "x"}}); err != nil {
		t.Fatal(err)
	}
	if err := h.KVSet(strings.Repeat("k", MaxKeyBytes+1), 1); err == nil {
		t.Error("a key over the limit was kept")
	}
	if err := h.KVSet("big", strings.Repeat("x", MaxValueBytes)); err == nil {
		t.Error("a value over the limit was kept")
	}
	if (&Host{}).ConfigValue() == nil {
		t.Error("nil config")
	}
	if err := (&Host{}).KVSet("k", 1); err == nil {
		t.Error("a host without a store kept a value")
	}
}

func TestFunctionsDescribed(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range Functions {
		if f.Name == "" || f.JS == "" || f.WASM == "" || f.Doc == "" || seen[f.Name] {
			t.Errorf("incomplete or duplicate entry %+v", f)
		}
		seen[f.Name] = true
	}
}
