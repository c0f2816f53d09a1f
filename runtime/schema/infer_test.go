package schema

import (
	"encoding/json"
	"testing"
	"time"
)

func TestInfer(t *testing.T) {
	tests := []struct {
		v    any
		want DataType
	}{
		{"2022-06-01T00:48:35.040Z", Timestamp},
		{"1975-05-21T22:00:00Z", Timestamp},
		{"2021-07-24 10:51", Timestamp},
		{"2021-07-24T10:51:00+02:00", Timestamp},
		{"2021-07-24T10:51:00.123456789-0530", Timestamp},
		{"20210724T105100Z", Timestamp},
		{"1975-05-21", Text}, // dates are not detected
		{"22:00:00", Text},
		{"Wed, 02 Oct 2002 13:00:00 GMT", Text},
		{"", Text},
		{"2021-13-24T10:51:00Z", Text},
		{"2021-02-30T10:51:00Z", Text},
		{"2021-07-24T25:51:00Z", Text},
		{"2021-07-24T10:51:00 extra", Text},
		{"12345678901234", Text},
		{int64(1), Bigint},
		{json.Number("1180591620717411303424"), Wei},
		{json.Number("-1180591620717411303424"), Wei},
		{json.Number("12"), Bigint},
		{json.Number("1.5"), Double},
		{1.5, Double},
		{true, Bool},
		{map[string]any{}, JSON},
		{[]any{}, JSON},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := Infer(tt.v); got != tt.want {
			t.Errorf("Infer(%#v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestParseISODatetimeUTC(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2022-06-01T00:48:35.040Z", time.Date(2022, 6, 1, 0, 48, 35, 40000000, time.UTC)},
		{"2021-07-24 10:51", time.Date(2021, 7, 24, 10, 51, 0, 0, time.UTC)},
		{"2021-07-24T10:51:00+02:00", time.Date(2021, 7, 24, 8, 51, 0, 0, time.UTC)},
		{"2021-07-24T10:51:00-0530", time.Date(2021, 7, 24, 16, 21, 0, 0, time.UTC)},
		{"2021-07-24T10:51:00+02", time.Date(2021, 7, 24, 8, 51, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got, ok := ParseISODatetime(tt.in)
		if !ok || !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("ParseISODatetime(%q) = %v, %v; want %v", tt.in, got, ok, tt.want)
		}
	}
}

func TestCoerce(t *testing.T) {
	ts := time.Date(2022, 6, 1, 0, 48, 35, 0, time.UTC)
	tests := []struct {
		to   DataType
		v    any
		want any
		ok   bool
	}{
		{Text, int64(5), "5", true},
		{Wei, json.Number("1180591620717411303424"), "1180591620717411303424", true},
		{Text, json.Number("-1180591620717411303424"), "-1180591620717411303424", true},
		{Double, json.Number("1180591620717411303424"), 1.1805916207174113e21, true},
		{Bigint, json.Number("1180591620717411303424"), nil, false},
		{Wei, int64(7), "7", true},
		{Text, 1.5, "1.5", true},
		{Text, 2.0, "2.0", true},
		{Text, true, "True", true},
		{Text, map[string]any{"b": int64(1), "a": "x"}, `{"a":"x","b":1}`, true},
		{Bigint, "123", int64(123), true},
		{Bigint, " -12 ", int64(-12), true},
		{Bigint, "0x1f", int64(31), true},
		{Bigint, "1_000", int64(1000), true},
		{Bigint, "abc", nil, false},
		{Bigint, "1.5", nil, false},
		{Bigint, 2.0, int64(2), true},
		{Bigint, 1.5, nil, false},
		{Bigint, true, nil, false},
		{Double, int64(3), 3.0, true},
		{Double, "2.5", 2.5, true},
		{Double, "x", nil, false},
		{Double, true, nil, false},
		{Bool, "yes", true, true},
		{Bool, "F", false, true},
		{Bool, "maybe", nil, false},
		{Bool, int64(0), false, true},
		{Bool, 0.5, true, true},
		{JSON, `{"a": [1, 2]}`, `{"a":[1,2]}`, true},
		{JSON, "abc", nil, false},
		{JSON, int64(1), nil, false},
		{Timestamp, "2022-06-01T00:48:35Z", ts, true},
		{Timestamp, "2022-06-01", time.Date(2022, 6, 1, 0, 0, 0, 0, time.UTC), true},
		{Timestamp, int64(1654044515), ts, true},
		{Timestamp, 1654044515.5, ts.Add(500 * time.Millisecond), true},
		{Timestamp, "1654044515", ts, true},
		{Timestamp, "x", nil, false},
		{Timestamp, "22:00:00", nil, false},
		{Timestamp, true, nil, false},
		{Date, "2022-06-01", time.Date(2022, 6, 1, 0, 0, 0, 0, time.UTC), true},
		{Date, "2022-06-01T23:00:00-02:00", time.Date(2022, 6, 2, 0, 0, 0, 0, time.UTC), true},
		{Time, "22:00:01", "22:00:01.000000", true},
		{Decimal, "1.25", "1.25", true},
		{Decimal, "x", nil, false},
		{Binary, "0x0102", []byte{1, 2}, true},
		{Text, "same", "same", true},
		{Bigint, int64(7), int64(7), true},
	}
	for _, tt := range tests {
		got, ok := Coerce(tt.to, TypeOf(tt.v), tt.v)
		if ok != tt.ok {
			t.Errorf("Coerce(%s, %#v) ok = %v, want %v", tt.to, tt.v, ok, tt.ok)
			continue
		}
		if !ok {
			continue
		}
		switch w := tt.want.(type) {
		case time.Time:
			if g, isT := got.(time.Time); !isT || !g.Equal(w) {
				t.Errorf("Coerce(%s, %#v) = %v, want %v", tt.to, tt.v, got, w)
			}
		case []byte:
			if g, isB := got.([]byte); !isB || string(g) != string(w) {
				t.Errorf("Coerce(%s, %#v) = %v, want %v", tt.to, tt.v, got, w)
			}
		default:
			if got != tt.want {
				t.Errorf("Coerce(%s, %#v) = %#v, want %#v", tt.to, tt.v, got, tt.want)
			}
		}
	}
}

func TestPyFloatString(t *testing.T) {
	tests := map[float64]string{
		1.5:     "1.5",
		2:       "2.0",
		0.1:     "0.1",
		-0.5:    "-0.5",
		1e15:    "1000000000000000.0",
		1e16:    "1e+16",
		1.5e17:  "1.5e+17",
		0.0001:  "0.0001",
		0.00001: "1e-05",
		1.23e-7: "1.23e-07",
		0:       "0.0",
	}
	for f, want := range tests {
		if got := PyFloatString(f); got != want {
			t.Errorf("PyFloatString(%v) = %q, want %q", f, got, want)
		}
	}
}
