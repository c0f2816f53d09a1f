package hostapi

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// KV is the key-value store of one resource, kept in the pipeline state.
// Values are JSON values.
type KV interface {
	Get(key string) (any, bool)
	Set(key string, value any) error
}

// Limits of the key-value store: what one hook may keep between runs is
// small by design (a token, a cursor, a counter), because it travels in
// the pipeline state of every load.
const (
	MaxKeyBytes   = 256
	MaxValueBytes = 64 << 10
)

// Host is the host API as one hook sees it. Its zero fields fall back to
// safe defaults (a discarding logger, the wall clock, no config, a store
// that refuses writes), so a hook built for validation runs too.
type Host struct {
	// Logger receives host.log; the engine gives one that names the
	// resource and the hook and redacts secrets.
	Logger *slog.Logger
	// Now is the clock (injectable for tests).
	Now func() time.Time
	// Config is the hook's own `config:` object.
	Config map[string]any
	// KV is the resource's store.
	KV KV
}

// Levels host.log accepts.
var Levels = []string{"debug", "info", "warn", "error"}

// Log logs msg at level (debug, info, warn or error).
func (h *Host) Log(level, msg string) error {
	var l slog.Level
	switch strings.ToLower(level) {
	case "debug":
		l = slog.LevelDebug
	case "info":
		l = slog.LevelInfo
	case "warn", "warning":
		l = slog.LevelWarn
	case "error":
		l = slog.LevelError
	default:
		return fmt.Errorf("host.log: level %q is not one of %s", level, strings.Join(Levels, ", "))
	}
	if h.Logger != nil {
		if len(msg) > 4096 {
			msg = msg[:4096] + "…"
		}
		h.Logger.Log(context.Background(), l, msg, "source", "hook")
	}
	return nil
}

// NowRFC3339 returns the current time in UTC as RFC 3339 with
// milliseconds (2024-05-01T12:00:00.000Z).
func (h *Host) NowRFC3339() string {
	return h.Time().UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

// Time returns the host's current time.
func (h *Host) Time() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// ConfigValue returns the hook's config (never nil).
func (h *Host) ConfigValue() map[string]any {
	if h.Config == nil {
		return map[string]any{}
	}
	return h.Config
}

// KVGet returns the value kept under key, with numbers as int64 (whole)
// or float64, as a hook expects them.
func (h *Host) KVGet(key string) (any, bool) {
	if h.KV == nil {
		return nil, false
	}
	v, ok := h.KV.Get(key)
	if !ok {
		return nil, false
	}
	return plainNumbers(v), true
}

// KVSet keeps value under key for this run and the next ones; it is
// committed with the load. The key and the JSON of the value are bounded
// (MaxKeyBytes, MaxValueBytes).
func (h *Host) KVSet(key string, value any) error {
	if key == "" || len(key) > MaxKeyBytes {
		return fmt.Errorf("host.kv.set: a key is 1 to %d bytes", MaxKeyBytes)
	}
	b, err := json.Marshal(value)
	if err != nil {
		return fmt.Errorf("host.kv.set %q: the value is not JSON: %w", key, err)
	}
	if len(b) > MaxValueBytes {
		return fmt.Errorf("host.kv.set %q: the value is %d bytes of JSON, over the %d the store keeps", key, len(b), MaxValueBytes)
	}
	if h.KV == nil {
		return errors.New("host.kv.set: this hook has no key-value store")
	}
	return h.KV.Set(key, value)
}

// Sha256 returns the SHA-256 of s as lowercase hex.
func Sha256(s string) string {
	var out [64]byte
	return string(AppendSha256(out[:0], []byte(s)))
}

// AppendSha256 appends the SHA-256 of b as lowercase hex (64 bytes) to
// dst: Sha256 without allocating, for the WASM import.
func AppendSha256(dst, b []byte) []byte {
	sum := sha256.Sum256(b)
	return hex.AppendEncode(dst, sum[:])
}

// HmacSha256 returns the HMAC-SHA256 of s with key as lowercase hex.
func HmacSha256(key, s string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(s))
	return hex.EncodeToString(m.Sum(nil))
}

// HmacSha256Hex is HmacSha256 with a hex key: the form a signing chain
// (AWS SigV4) feeds one HMAC's result into the next.
func HmacSha256Hex(hexKey, s string) (string, error) {
	k, err := hex.DecodeString(hexKey)
	if err != nil {
		return "", fmt.Errorf("host.hmacSha256Hex: the key is not hex: %w", err)
	}
	return HmacSha256(string(k), s), nil
}

// Base64 returns s in standard base64 with padding.
func Base64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// Hex returns s as lowercase hex.
func Hex(s string) string { return hex.EncodeToString([]byte(s)) }

// plainNumbers turns json.Number (as the stored state keeps numbers) into
// int64 or float64, deeply.
func plainNumbers(v any) any {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		if f, err := t.Float64(); err == nil {
			return f
		}
		return t.String()
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = plainNumbers(e)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, e := range t {
			s[i] = plainNumbers(e)
		}
		return s
	}
	return v
}
