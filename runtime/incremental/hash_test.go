package incremental

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// The expected texts and hashes come from dlt's own code path run in
// Python: digest128(orjson.dumps(v, OPT_SORT_KEYS|OPT_NON_STR_KEYS|
// OPT_UTC_Z)) (reference §6.4), so a state written by dlt de-duplicates
// the same rows here.
func TestRowHashMatchesDlt(t *testing.T) {
	rec := map[string]any{
		"id": int64(1), "updated_at": "2024-01-01T00:00:00Z", "title": "héllo \"q\"\n",
		"nested": map[string]any{"z": 1.5, "a": []any{true, nil, 1e16, 2.5e-7}},
	}
	tests := []struct {
		name string
		rec  any
		pk   []string
		json string
		hash string
	}{
		{"one-column key hashes the value", rec, []string{"id"}, `1`, "669czW83KR00ut4bv/U5"},
		{"string key", map[string]any{"k": "abc"}, []string{"k"}, `"abc"`, "Q7izEiCRBJq3oU2fNGTP"},
		{"compound key hashes the list", map[string]any{"a": int64(1), "b": "a"}, []string{"a", "b"}, `[1,"a"]`, "ndvRJS8rm8iAiHfET37I"},
		{"no key hashes the record, keys sorted", rec, nil,
			`{"id":1,"nested":{"a":[true,null,1e16,2.5e-7],"z":1.5},"title":"héllo \"q\"\n","updated_at":"2024-01-01T00:00:00Z"}`, "rWEnYl67Ip2Jmud3YdTr"},
		{"int64 max", map[string]any{"id": int64(math.MaxInt64)}, []string{"id"}, `9223372036854775807`, "JZ6Gc2GcZCRQTVSRnhiS"},
		{"big int as json.Number", map[string]any{"id": json.Number("9223372036854775807")}, []string{"id"}, `9223372036854775807`, "JZ6Gc2GcZCRQTVSRnhiS"},
		{"float", map[string]any{"id": 0.1}, []string{"id"}, `0.1`, "09fVEp3Zts1kRS4jNhEX"},
		{"nested keys sorted", map[string]any{"b": int64(1), "a": map[string]any{"d": int64(2), "c": int64(3)}}, nil, `{"a":{"c":3,"d":2},"b":1}`, "8/fbzs3vmJxN1tbVwBLL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v any = tt.rec
			if len(tt.pk) == 1 {
				v = tt.rec.(map[string]any)[tt.pk[0]]
			} else if len(tt.pk) > 1 {
				m := tt.rec.(map[string]any)
				v = []any{m[tt.pk[0]], m[tt.pk[1]]}
			}
			b, err := appendJSON(nil, v)
			if err != nil || string(b) != tt.json {
				t.Errorf("json = %s, %v; want %s", b, err, tt.json)
			}
			h, err := RowHash(tt.rec, tt.pk)
			if err != nil || h != tt.hash {
				t.Errorf("RowHash = %q, %v; want %q", h, err, tt.hash)
			}
		})
	}
}

func TestRowHashMissingKey(t *testing.T) {
	for _, rec := range []any{map[string]any{"x": 1}, "scalar", []any{1}} {
		if _, err := RowHash(rec, []string{"id"}); err == nil || !strings.Contains(err.Error(), "id") {
			t.Errorf("RowHash(%v) error = %v, want one naming id", rec, err)
		}
	}
}

// Floats are written as orjson writes them (values printed by orjson 3.8).
func TestAppendFloatMatchesOrjson(t *testing.T) {
	tests := []struct {
		f    float64
		want string
	}{
		{0.0, "0.0"}, {math.Copysign(0, -1), "-0.0"}, {1.0, "1.0"}, {-1.5, "-1.5"}, {0.1, "0.1"}, {0.3, "0.3"},
		{1.0 / 3, "0.3333333333333333"}, {2.0 / 3, "0.6666666666666666"}, {100.0, "100.0"},
		{1e15, "1000000000000000.0"}, {1e16, "1e16"}, {1.5e16, "1.5e16"}, {9007199254740992.0, "9007199254740992.0"},
		{1.2345678901234568e+17, "1.2345678901234568e17"}, {1e21, "1e21"}, {1e22, "1e22"},
		{0.0001, "0.0001"}, {1e-05, "0.00001"}, {1.25e-05, "0.0000125"}, {1e-06, "1e-6"},
		{5e-324, "5e-324"}, {1.7976931348623157e+308, "1.7976931348623157e308"}, {3.14159, "3.14159"},
		{123456780000000.0, "123456780000000.0"}, {0.000123, "0.000123"}, {1.2345e-07, "1.2345e-7"},
		{4350000000000000.0, "4350000000000000.0"}, {math.NaN(), "null"}, {math.Inf(1), "null"},
	}
	for _, tt := range tests {
		if got := string(appendFloat(nil, tt.f, 64)); got != tt.want {
			t.Errorf("appendFloat(%v) = %s, want %s", tt.f, got, tt.want)
		}
	}
}

// Strings escape only what orjson escapes.
func TestAppendStringMatchesOrjson(t *testing.T) {
	got := string(appendString(nil, "\x1f\b\t\n\f\r\"\\é\u2028<>&/\x01\x7f"))
	want := `"\u001f\b\t\n\f\r\"\\é` + "\u2028" + `<>&/\u0001` + "\x7f" + `"`
	if got != want {
		t.Errorf("appendString = %s, want %s", got, want)
	}
}

func TestDigest128(t *testing.T) {
	if got := Digest128([]byte("1")); got != "669czW83KR00ut4bv/U5" || len(got) != 20 {
		t.Errorf("Digest128 = %q", got)
	}
}
