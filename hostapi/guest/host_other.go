//go:build !wasip1

package guest

import (
	"errors"
	"time"

	"github.com/sluicehq/sluice/hostapi"
)

// Outside WASM (a plugin's own unit tests) the host API runs in plain Go.

var kv = map[string][]byte{}

// Log does nothing outside WASM.
func Log(level int, msg string) {}

// Sha256 returns the SHA-256 of s, lowercase hex.
func Sha256(s string) string { return hostapi.Sha256(s) }

// HmacSha256 returns the HMAC-SHA256 of s with key, lowercase hex.
func HmacSha256(key, s string) string { return hostapi.HmacSha256(key, s) }

// HmacSha256Hex is HmacSha256 with the key given as hex.
func HmacSha256Hex(hexKey, s string) (string, error) { return hostapi.HmacSha256Hex(hexKey, s) }

// Base64 returns standard base64 (with padding) of s.
func Base64(s string) string { return hostapi.Base64(s) }

// Hex returns lowercase hex of s.
func Hex(s string) string { return hostapi.Hex(s) }

// Now returns the current time in UTC, RFC 3339 with milliseconds.
func Now() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000Z07:00") }

// KVGet returns the value kept under key, and whether there is one.
func KVGet(key string) (any, bool) {
	b, ok := kv[key]
	if !ok {
		return nil, false
	}
	v, err := Decode(b)
	return v, err == nil
}

// KVSet keeps a JSON value under key.
func KVSet(key string, v any) error {
	b, err := Encode(nil, v)
	if err != nil {
		return err
	}
	if key == "" || len(key) > hostapi.MaxKeyBytes || len(b) > hostapi.MaxValueBytes {
		return errors.New("KVSet: refused (a key is 1 to 256 bytes, a value up to 64 KiB of JSON)")
	}
	kv[key] = b
	return nil
}

// markRecord does nothing outside WASM.
func markRecord(int) {}
