package incremental

import (
	"encoding/json"
	"testing"
)

// §6.7: lag moves numbers by lag, timestamps by lag seconds, date-only
// strings by lag days, written back in the input's format.
func TestApplyLag(t *testing.T) {
	tests := []struct {
		name  string
		v     any
		lag   float64
		isMax bool
		want  any
	}{
		{"int max", int64(100), 10, true, int64(90)},
		{"int min", int64(100), 10, false, int64(110)},
		{"int with fractional lag truncates like int()", int64(24), 1.5, true, int64(22)},
		{"int toward zero", int64(1), 1.5, true, int64(0)},
		{"float", 10.5, 0.25, true, 10.25},
		{"big json.Number", json.Number("100000000000000000000"), 1, true, json.Number("99999999999999999999")},
		{"int64 near the edge", int64(-9223372036854775807), 10, true, json.Number("-9223372036854775817")},
		{"RFC 3339 Z", "2024-01-02T00:00:00Z", 3600, true, "2024-01-01T23:00:00Z"},
		{"RFC 3339 Z min", "2024-01-02T00:00:00Z", 3600, false, "2024-01-02T01:00:00Z"},
		{"offset kept", "2024-01-02T00:30:00+02:00", 3600, true, "2024-01-01T23:30:00+02:00"},
		{"zero offset kept as +00:00", "2024-01-02T00:00:00+00:00", 60, true, "2024-01-01T23:59:00+00:00"},
		{"offset without colon", "2024-01-02T00:00:00-0500", 1, true, "2024-01-01T23:59:59-0500"},
		{"fraction digits kept", "2024-01-02T00:00:00.120Z", 0.5, true, "2024-01-01T23:59:59.620Z"},
		{"microseconds", "2024-01-02T00:00:00.000001Z", 1, true, "2024-01-01T23:59:59.000001Z"},
		{"naive", "2024-01-02T00:00:00", 86400, true, "2024-01-01T00:00:00"},
		{"naive with fraction", "2024-01-02T00:00:00.5", 1, true, "2024-01-01T23:59:59.5"},
		{"space separator", "2024-01-02 00:00:00", 1, true, "2024-01-01 23:59:59"},
		{"minute precision", "2024-01-02T00:00", 60, true, "2024-01-01T23:59"},
		{"hour precision", "2024-01-02T00", 3600, true, "2024-01-01T23"},
		{"date-only lags days", "2024-03-01", 1, true, "2024-02-29"},
		{"date-only min", "2024-02-28", 2, false, "2024-03-01"},
		{"compact date lags days", "20240301", 1, true, "20240229"},
		{"year-month lags seconds", "2024-03", 1, true, "2024-02"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := applyLag(tt.v, tt.lag, tt.isMax)
			if err != nil || got != tt.want {
				t.Errorf("applyLag(%#v, %v) = %#v, %v; want %#v", tt.v, tt.lag, got, err, tt.want)
			}
		})
	}
}

func TestApplyLagRefuses(t *testing.T) {
	for _, v := range []any{"abc", "2024-W05", "2024-01-01Tx", true, []any{1}, "20240101T00:00:00", "2024-01-01T00:00:00.1234567890Z"} {
		if got, err := applyLag(v, 1, true); err == nil {
			t.Errorf("applyLag(%#v) = %#v, want an error", v, got)
		}
	}
	if _, err := applyLag("2024-01-01T00:00:00Z", 1e20, true); err == nil {
		t.Error("a lag of 1e20 seconds should be refused")
	}
}
