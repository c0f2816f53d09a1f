package incremental

import (
	"bytes"
	"encoding/json"
	"errors"
	"github.com/sluicehq/sluice/runtime/cursorvalue"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/runtime/config"
)

const incPath = "source.resources[0].endpoint.incremental"

// inc is an endpoint.incremental with config's defaults, changed by mods.
func inc(mods ...func(*config.Incremental)) *config.Incremental {
	c := &config.Incremental{CursorPath: "updated_at", LastValueFunc: "max", OnCursorValueMissing: "raise",
		RangeStart: "closed", RangeEnd: "open", Path: incPath}
	for _, m := range mods {
		m(c)
	}
	return c
}

func initial(v any) func(*config.Incremental) {
	return func(c *config.Incremental) { c.InitialValue = v }
}
func end(v any) func(*config.Incremental) { return func(c *config.Incremental) { c.EndValue = v } }
func lagOf(f float64) func(*config.Incremental) {
	return func(c *config.Incremental) { c.Lag = &f }
}
func minFunc(c *config.Incremental)   { c.LastValueFunc = "min" }
func openStart(c *config.Incremental) { c.RangeStart = "open" }
func closedEnd(c *config.Incremental) { c.RangeEnd = "closed" }
func asc(c *config.Incremental)       { c.RowOrder = "asc" }
func desc(c *config.Incremental)      { c.RowOrder = "desc" }
func missing(how string) func(*config.Incremental) {
	return func(c *config.Incremental) { c.OnCursorValueMissing = how }
}
func incPK(pk ...string) func(*config.Incremental) {
	return func(c *config.Incremental) { c.PrimaryKey, c.HasPrimaryKey = pk, true }
}

// r is a record as the JSON decoder gives it.
func r(id int64, cursor any) map[string]any {
	if i, ok := cursor.(int); ok {
		cursor = int64(i)
	}
	return map[string]any{"id": id, "updated_at": cursor, "title": "t"}
}

func ids(recs []any) []int64 {
	out := []int64{}
	for _, x := range recs {
		out = append(out, x.(map[string]any)["id"].(int64))
	}
	return out
}

// roundTrip stores a state as the state package does: encoding/json out
// and back, numbers becoming float64.
func roundTrip(t *testing.T, s map[string]any) map[string]any {
	t.Helper()
	if s == nil {
		return nil
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

type page []any

// run filters pages with a new cursor and returns it, the kept ids per
// page and whether a page asked to stop.
func run(t *testing.T, cfg *config.Incremental, pk []string, saved map[string]any, pages ...page) (*Cursor, [][]int64, bool) {
	t.Helper()
	c, err := New(cfg, pk, saved)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	var kept [][]int64
	stopped := false
	for _, p := range pages {
		k, stop, err := c.Filter(p)
		if err != nil {
			t.Fatalf("Filter: %v", err)
		}
		kept = append(kept, ids(k))
		stopped = stopped || stop
	}
	return c, kept, stopped
}

func TestFilter(t *testing.T) {
	id := []string{"id"}
	tests := []struct {
		name     string
		cfg      *config.Incremental
		pk       []string
		saved    map[string]any
		pages    []page
		want     [][]int64
		stop     bool
		wantLast any
		hashes   int // len(unique_hashes) in the state
	}{
		{name: "§6.3 max: rows below initial_value dropped, equal kept",
			cfg: inc(initial(3)), pk: id,
			pages: []page{{r(1, 1), r(2, 2), r(3, 3), r(4, 4)}, {r(5, 5), r(6, 5)}},
			want:  [][]int64{{3, 4}, {5, 6}}, wantLast: int64(5), hashes: 2},
		{name: "§6.3 no initial_value: everything kept",
			cfg: inc(), pk: id, pages: []page{{r(2, 2), r(1, 1), r(3, 3)}},
			want: [][]int64{{2, 1, 3}}, wantLast: int64(3), hashes: 1},
		{name: "§6.3 unsorted page: rows between start_value and the running max kept",
			cfg: inc(initial(10)), pk: id, pages: []page{{r(1, 20), r(2, 15), r(3, 9), r(4, 10)}},
			want: [][]int64{{1, 2, 4}}, wantLast: int64(20), hashes: 1},
		{name: "§6.3 min mirror: rows above initial_value dropped",
			cfg: inc(initial(10), minFunc), pk: id, pages: []page{{r(1, 11), r(2, 10), r(3, 7), r(4, 5), r(5, 5), r(6, 8)}},
			want: [][]int64{{2, 3, 4, 5, 6}}, wantLast: int64(5), hashes: 2},
		{name: "§6.3 range_start open drops rows equal to start_value, no dedup",
			cfg: inc(initial(3), openStart), pk: id, pages: []page{{r(1, 3), r(2, 4), r(3, 4)}},
			want: [][]int64{{2, 3}}, wantLast: int64(4), hashes: 0},
		{name: "§6.3 end_value with range_end open drops rows equal to end",
			cfg: inc(initial(1), end(5)), pk: id, pages: []page{{r(1, 1), r(2, 4), r(3, 5), r(4, 6)}},
			want: [][]int64{{1, 2}}},
		{name: "§6.3 end_value with range_end closed keeps rows equal to end",
			cfg: inc(initial(1), end(5), closedEnd), pk: id, pages: []page{{r(1, 1), r(2, 4), r(3, 5), r(4, 6)}},
			want: [][]int64{{1, 2, 3}}},
		{name: "§6.3 end_value with min",
			cfg: inc(initial(10), end(5), minFunc), pk: id, pages: []page{{r(1, 11), r(2, 10), r(3, 6), r(4, 5), r(5, 4)}},
			want: [][]int64{{2, 3}}},
		{name: "§6.5 row_order asc stops after a row past end_value; the page is kept in full",
			cfg: inc(initial(1), end(5), asc), pk: id, pages: []page{{r(1, 3), r(2, 6), r(3, 4)}},
			want: [][]int64{{1, 3}}, stop: true},
		{name: "§6.5 row_order asc without end_value never stops",
			cfg: inc(initial(5), asc), pk: id, pages: []page{{r(1, 3), r(2, 6)}},
			want: [][]int64{{2}}, wantLast: int64(6), hashes: 1},
		{name: "§6.5 row_order desc stops at a row below start_value",
			cfg: inc(initial(5), desc), pk: id, pages: []page{{r(1, 9), r(2, 7)}, {r(3, 6), r(4, 4), r(5, 5)}},
			want: [][]int64{{1, 2}, {3, 5}}, stop: true, wantLast: int64(9), hashes: 1},
		{name: "§6.5 row_order desc with min stops at a row above start_value",
			cfg: inc(initial(5), desc, minFunc), pk: id, pages: []page{{r(1, 2), r(2, 6)}},
			want: [][]int64{{1}}, stop: true, wantLast: int64(2), hashes: 1},
		{name: "§6.4 boundary rows with a primary key in the stored hashes are dropped, others at the boundary kept",
			cfg: inc(initial(1)), pk: id,
			saved: map[string]any{"initial_value": 1.0, "last_value": 5.0, "start_value": 1.0,
				"unique_hashes": []any{mustHash(r(7, 5), id), mustHash(r(8, 5), id)}},
			pages: []page{{r(7, 5), r(8, 5), r(9, 5), r(10, 4)}},
			want:  [][]int64{{9}}, wantLast: int64(5), hashes: 3},
		{name: "§6.4 without a primary key a changed record at the boundary is kept, an unchanged one dropped",
			cfg: inc(initial(1)),
			saved: map[string]any{"initial_value": 1.0, "last_value": 5.0, "start_value": 1.0,
				"unique_hashes": []any{mustHash(r(7, 5), nil), mustHash(r(8, 5), nil)}},
			pages: []page{{r(7, 5), map[string]any{"id": int64(8), "updated_at": int64(5), "title": "changed"}}},
			want:  [][]int64{{8}}, wantLast: int64(5), hashes: 3},
		{name: "§6.4 primary_key: [] turns dedup off: boundary rows come again",
			cfg: inc(initial(1), incPK()), pk: id,
			saved: map[string]any{"initial_value": 1.0, "last_value": 5.0, "start_value": 1.0,
				"unique_hashes": []any{mustHash(r(7, 5), id)}},
			pages: []page{{r(7, 5)}}, want: [][]int64{{7}}, wantLast: int64(5), hashes: 0},
		{name: "§6.4 incremental.primary_key wins over the resource's",
			cfg: inc(initial(1), incPK("title")), pk: id,
			saved: map[string]any{"initial_value": 1.0, "last_value": 5.0, "start_value": 1.0,
				"unique_hashes": []any{mustHash(r(7, 5), []string{"title"})}},
			pages: []page{{r(7, 5), r(8, 5)}}, want: [][]int64{{}}, wantLast: int64(5), hashes: 1},
		{name: "§6.4 a new maximum resets the boundary set",
			cfg: inc(initial(1)), pk: id,
			saved: map[string]any{"initial_value": 1.0, "last_value": 5.0, "start_value": 1.0,
				"unique_hashes": []any{mustHash(r(7, 5), id)}},
			pages: []page{{r(7, 5), r(8, 5), r(9, 6)}, {r(10, 6), r(11, 5)}},
			want:  [][]int64{{8, 9}, {10, 11}}, wantLast: int64(6), hashes: 2},
		{name: "§6.3 on_cursor_value_missing include keeps the record and does not move the cursor",
			cfg: inc(initial(1), missing("include")), pk: id,
			pages: []page{{r(1, 2), map[string]any{"id": int64(2)}, r(3, nil), "scalar-record-is-dropped-only-by-exclude"}},
			want:  nil /* checked below: a non-map record has no id */},
		{name: "§6.3 on_cursor_value_missing exclude drops it",
			cfg: inc(initial(1), missing("exclude")), pk: id,
			pages: []page{{r(1, 2), map[string]any{"id": int64(2)}, r(3, nil), r(4, 3)}},
			want:  [][]int64{{1, 4}}, wantLast: int64(3), hashes: 1},
		{name: "§6.3 cursor_path as JSONPath",
			cfg: inc(initial(2), func(c *config.Incremental) { c.CursorPath = "$.meta.v" }), pk: id,
			pages: []page{{
				map[string]any{"id": int64(1), "meta": map[string]any{"v": int64(1)}},
				map[string]any{"id": int64(2), "meta": map[string]any{"v": int64(3)}},
			}},
			want: [][]int64{{2}}, wantLast: int64(3), hashes: 1},
		{name: "§6.3 mixed number types compare by value",
			cfg: inc(initial(2.5)), pk: id,
			pages: []page{{r(1, int64(2)), r(2, json.Number("3")), r(3, 2.5), r(4, json.Number("100000000000000000000"))}},
			want:  [][]int64{{2, 3, 4}}, wantLast: json.Number("100000000000000000000"), hashes: 1},
		{name: "§6.3 ISO strings compare as text (an unquoted YAML timestamp is text): the same instant with +00:00 sorts before Z and is dropped",
			cfg: inc(initial("2024-01-02T00:00:00Z")), pk: id,
			pages: []page{{r(1, "2024-01-01T23:59:59Z"), r(2, "2024-01-02T00:00:00Z"), r(3, "2024-01-10T00:00:00Z"), r(4, "2024-01-02T00:00:00+00:00")}},
			want:  [][]int64{{2, 3}}, wantLast: "2024-01-10T00:00:00Z", hashes: 1},
		{name: "§6.7 lag on numbers re-reads the window, turns dedup off, stored last never moves back",
			cfg: inc(initial(1), lagOf(10)), pk: id,
			saved: map[string]any{"initial_value": 1.0, "last_value": 100.0, "start_value": 1.0, "unique_hashes": []any{}},
			pages: []page{{r(1, 89), r(2, 90), r(3, 95), r(4, 100)}},
			want:  [][]int64{{2, 3, 4}}, wantLast: int64(100), hashes: 0},
		{name: "§6.7 lag never crosses initial_value",
			cfg: inc(initial(95), lagOf(10)), pk: id,
			saved: map[string]any{"initial_value": 95.0, "last_value": 100.0, "start_value": 95.0, "unique_hashes": []any{}},
			pages: []page{{r(1, 94), r(2, 95), r(3, 99)}},
			want:  [][]int64{{2, 3}}, wantLast: int64(100)},
		{name: "§6.7 lag with min moves up but never crosses initial_value",
			cfg: inc(initial(55), lagOf(10), minFunc), pk: id,
			saved: map[string]any{"initial_value": 55.0, "last_value": 50.0, "start_value": 55.0, "unique_hashes": []any{}},
			pages: []page{{r(1, 56), r(2, 55), r(3, 52), r(4, 51)}},
			want:  [][]int64{{2, 3, 4}}, wantLast: int64(50)},
		{name: "§6.7 lag on RFC 3339 strings",
			cfg: inc(initial("2024-01-01T00:00:00Z"), lagOf(3600)), pk: id,
			saved: map[string]any{"initial_value": "2024-01-01T00:00:00Z", "last_value": "2024-01-05T12:00:00Z", "start_value": "2024-01-01T00:00:00Z", "unique_hashes": []any{}},
			pages: []page{{r(1, "2024-01-05T10:59:59Z"), r(2, "2024-01-05T11:00:00Z"), r(3, "2024-01-05T13:00:00Z")}},
			want:  [][]int64{{2, 3}}, wantLast: "2024-01-05T13:00:00Z"},
		{name: "§6.7 lag in days on date-only strings",
			cfg: inc(initial("2024-01-01"), lagOf(2)), pk: id,
			saved: map[string]any{"initial_value": "2024-01-01", "last_value": "2024-03-01", "start_value": "2024-01-01", "unique_hashes": []any{}},
			pages: []page{{r(1, "2024-02-27"), r(2, "2024-02-28"), r(3, "2024-03-01")}},
			want:  [][]int64{{2, 3}}, wantLast: "2024-03-01"},
		{name: "§6.6 end_value ignores the stored state",
			cfg: inc(initial(1), end(10)), pk: id,
			saved: map[string]any{"initial_value": 1.0, "last_value": 8.0, "start_value": 1.0, "unique_hashes": []any{}},
			pages: []page{{r(1, 2), r(2, 9), r(3, 10)}}, want: [][]int64{{1, 2}}},
		{name: "empty pages change nothing",
			cfg: inc(initial(1)), pk: id, pages: []page{{}, nil}, want: [][]int64{{}, {}}, wantLast: int64(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want == nil {
				c, err := New(tt.cfg, tt.pk, tt.saved)
				if err != nil {
					t.Fatal(err)
				}
				k, _, err := c.Filter(tt.pages[0])
				if err != nil || len(k) != 4 {
					t.Fatalf("include kept %d records (%v), want all 4", len(k), err)
				}
				if c.State()["last_value"] != int64(2) {
					t.Errorf("last_value = %v, want 2", c.State()["last_value"])
				}
				return
			}
			c, kept, stop := run(t, tt.cfg, tt.pk, tt.saved, tt.pages...)
			if !reflect.DeepEqual(kept, tt.want) {
				t.Errorf("kept %v, want %v", kept, tt.want)
			}
			if stop != tt.stop {
				t.Errorf("stop = %v, want %v", stop, tt.stop)
			}
			s := c.State()
			if tt.cfg.EndValue != nil {
				if s != nil || c.Changed() {
					t.Errorf("an end_value run stored %v (changed %v), want nothing", s, c.Changed())
				}
				return
			}
			if s["last_value"] != tt.wantLast {
				t.Errorf("state last_value = %#v, want %#v", s["last_value"], tt.wantLast)
			}
			if n := len(s["unique_hashes"].([]any)); n != tt.hashes {
				t.Errorf("state has %d unique_hashes, want %d", n, tt.hashes)
			}
		})
	}
}

func mustHash(rec any, pk []string) string {
	h, err := RowHash(rec, pk)
	if err != nil {
		panic(err)
	}
	return h
}

// §6.4, §6.6 and the conformance case C57: a second run against the same
// data keeps nothing and changes no state, after the state went through
// JSON the way the state package stores it.
func TestSecondRunSameDataKeepsNothing(t *testing.T) {
	data := []page{{r(1, "2024-01-01T00:00:00Z"), r(2, "2024-01-02T00:00:00Z")}, {r(3, "2024-01-03T00:00:00Z"), r(4, "2024-01-03T00:00:00Z")}}
	for _, pk := range [][]string{{"id"}, nil} {
		cfg := inc(initial("2024-01-01T00:00:00Z"))
		c1, kept, _ := run(t, cfg, pk, nil, data...)
		if !reflect.DeepEqual(kept, [][]int64{{1, 2}, {3, 4}}) {
			t.Fatalf("first run kept %v", kept)
		}
		if !c1.Changed() {
			t.Error("a first run should change the state")
		}
		saved := roundTrip(t, c1.State())
		c2, kept, _ := run(t, cfg, pk, saved, data...)
		if !reflect.DeepEqual(kept, [][]int64{{}, {}}) {
			t.Errorf("pk %v: second run kept %v, want nothing", pk, kept)
		}
		if c2.Changed() {
			t.Errorf("pk %v: second run changed the state: %v -> %v", pk, saved, c2.State())
		}
		if v := c2.Values()["start_value"]; v != "2024-01-03T00:00:00Z" {
			t.Errorf("second run start_value = %v", v)
		}
		// A third run with one new row keeps only it.
		more := append(append([]page{}, data...), page{r(5, "2024-01-04T00:00:00Z")})
		c3, kept, _ := run(t, cfg, pk, saved, more...)
		if !reflect.DeepEqual(kept, [][]int64{{}, {}, {5}}) || !c3.Changed() {
			t.Errorf("third run kept %v (changed %v), want only 5", kept, c3.Changed())
		}
	}
}

// §6.6: the state's shape, and start_value in it.
func TestStateShapeAndRoundTrip(t *testing.T) {
	cfg := inc(initial(1))
	c, _, _ := run(t, cfg, []string{"id"}, nil, page{r(1, 3), r(2, 5), r(3, 5)})
	s := c.State()
	want := map[string]any{
		"initial_value": int64(1), "last_value": int64(5), "start_value": int64(1),
		"unique_hashes": []any{mustHash(r(2, 5), []string{"id"}), mustHash(r(3, 5), []string{"id"})},
	}
	if !sameState(s, want) {
		t.Fatalf("State() = %#v, want %#v", s, want)
	}
	saved := roundTrip(t, s)
	c2, err := New(cfg, []string{"id"}, saved)
	if err != nil {
		t.Fatal(err)
	}
	if v := c2.Values(); v["start_value"] != int64(5) || v["initial_value"] != int64(1) || v["last_value"] != int64(5) {
		t.Errorf("Values after a round trip = %#v; want whole numbers 5, 1, 5", v)
	}
	// start_value in the state is the last_value the run began with, once
	// a row was kept.
	if _, _, err := c2.Filter([]any{r(9, 6)}); err != nil {
		t.Fatal(err)
	}
	if s := c2.State(); s["start_value"] != int64(5) || s["last_value"] != int64(6) {
		t.Errorf("state after a new row = %#v", s)
	}
	// Hashes are a sorted list, whatever order the saved ones had.
	saved["unique_hashes"] = []any{want["unique_hashes"].([]any)[1], want["unique_hashes"].([]any)[0]}
	c3, _ := New(cfg, []string{"id"}, saved)
	if c3.Changed() {
		t.Error("the same hashes in another order should not count as a change")
	}
}

func sameState(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for _, k := range []string{"initial_value", "last_value", "start_value"} {
		if !cursorvalue.Equal(a[k], b[k]) {
			return false
		}
	}
	ha, hb := hashList(a["unique_hashes"]), hashList(b["unique_hashes"])
	x, y := append([]string{}, ha...), append([]string{}, hb...)
	slices.Sort(x)
	slices.Sort(y)
	return reflect.DeepEqual(x, y)
}

// §6.2: the values the placeholders see.
func TestValues(t *testing.T) {
	c, err := New(inc(initial("2024-01-01T00:00:00Z"), lagOf(3600)), nil,
		map[string]any{"initial_value": "2024-01-01T00:00:00Z", "last_value": "2024-02-01T00:00:00Z", "start_value": "2024-01-01T00:00:00Z", "unique_hashes": []any{}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"initial_value": "2024-01-01T00:00:00Z", "start_value": "2024-01-31T23:00:00Z",
		"last_value": "2024-01-31T23:00:00Z", "end_value": nil, "lag": int64(3600)}
	if got := c.Values(); !reflect.DeepEqual(got, want) {
		t.Errorf("Values() = %#v\nwant %#v", got, want)
	}
	// last_value is live: a dependent resource's next request sees the
	// running maximum (lagged), start_value stays.
	if _, _, err := c.Filter([]any{r(1, "2024-02-03T00:00:00Z")}); err != nil {
		t.Fatal(err)
	}
	if v := c.Values(); v["last_value"] != "2024-02-02T23:00:00Z" || v["start_value"] != "2024-01-31T23:00:00Z" {
		t.Errorf("after a page Values() = %#v", v)
	}
	// No initial value: nulls.
	c, _ = New(inc(), nil, nil)
	if v := c.Values(); v["start_value"] != nil || v["last_value"] != nil || v["lag"] != nil || v["end_value"] != nil {
		t.Errorf("Values() without initial_value = %#v, want nulls", v)
	}
	c, _ = New(inc(initial(1), end(10), lagOf(1.5)), nil, nil)
	if v := c.Values(); v["end_value"] != int64(10) || v["lag"] != 1.5 || v["start_value"] != int64(1) {
		t.Errorf("Values() with end_value = %#v", v)
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name  string
		cfg   *config.Incremental
		saved map[string]any
		field string
		msg   string
	}{
		{"§6.1 end_value without initial_value", inc(end(5)), nil, incPath + ".end_value", "end_value requires initial_value"},
		{"§6.1 initial above end for max", inc(initial(10), end(5)), nil, incPath + ".end_value", "Incremental `initial_value=10` is higher than `end_value=5`"},
		{"§6.1 initial below end for min", inc(initial(1), end(5), minFunc), nil, incPath + ".end_value", "Incremental `initial_value=1` is lower than `end_value=5`"},
		{"§6.1 incomparable types", inc(initial(1), end("x")), nil, incPath + ".end_value", `end_value "x" (a string) cannot be compared with initial_value 1 (a number)`},
		{"timestamps compare as text", inc(initial("2024-01-01T10:00:00+02:00"), end("2024-01-01T09:00:00Z")), nil, incPath + ".end_value", "strings compare as text"},
		{"bad JSONPath", inc(func(c *config.Incremental) { c.CursorPath = "$.a[" }), nil, incPath + ".cursor_path", "invalid JSONPath"},
		{"lag on a non-date string state", inc(lagOf(1)), map[string]any{"last_value": "abc"}, incPath + ".lag", `"abc" is neither`},
		{"initial_value of another kind than the stored state", inc(initial(1), lagOf(1)), map[string]any{"last_value": "2024-01-01"}, incPath + ".initial_value", "cannot be compared with the stored last value"},
		{"unknown last_value_func", inc(func(c *config.Incremental) { c.LastValueFunc = "avg" }), nil, incPath + ".last_value_func", "avg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg, nil, tt.saved)
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.field || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("New error = %v, want a ConfigError at %s saying %q", err, tt.field, tt.msg)
			}
		})
	}
	if _, err := New(nil, nil, nil); err == nil {
		t.Error("New(nil) should fail")
	}
}

func TestFilterErrors(t *testing.T) {
	tests := []struct {
		name  string
		cfg   *config.Incremental
		pk    []string
		page  page
		field string
		index int
		msg   string
	}{
		{"§6.3 raise on a missing cursor names cursor_path and the record", inc(initial(1)), nil,
			page{r(1, 2), map[string]any{"id": int64(2)}}, incPath + ".cursor_path", 1, `record 2 of the page: the record has no "updated_at"`},
		{"§6.3 raise on a null cursor", inc(), nil, page{r(1, nil)}, incPath + ".cursor_path", 0, `"updated_at" is null`},
		{"§6.3 a record that is not an object has no cursor", inc(), nil, page{"x"}, incPath + ".cursor_path", 0, "has no"},
		{"§6.3 string data against a number initial_value", inc(initial(1)), nil, page{r(1, "2024")}, incPath + ".initial_value", 0,
			`its updated_at "2024" (a string) cannot be compared with the cursor's last value 1 (a number)`},
		{"§6.3 data against end_value", inc(initial(1), end(3)), nil, page{r(1, "x")}, incPath + ".end_value", 0, "end_value 3"},
		{"§6.4 a boundary record without its primary key", inc(initial(1)), []string{"id"}, page{map[string]any{"updated_at": int64(1)}},
			"source.resources[0].primary_key", 0, `no primary key column "id"`},
		{"§6.4 incremental.primary_key missing", inc(initial(1), incPK("k")), []string{"id"}, page{r(1, 1)},
			incPath + ".primary_key", 0, `no primary key column "k"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.cfg, tt.pk, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = c.Filter(tt.page)
			var re *RecordError
			if !errors.As(err, &re) || re.Field != tt.field || re.Index != tt.index || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Filter error = %v, want a RecordError at %s, record %d, saying %q", err, tt.field, tt.index, tt.msg)
			}
		})
	}
}

// §6.4: a warning when more than 200 records share the last value, once.
func TestHashSetWarning(t *testing.T) {
	var buf bytes.Buffer
	c, err := New(inc(initial(1)), []string{"id"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Logger = slog.New(slog.NewTextHandler(&buf, nil))
	mk := func(from, n int) []any {
		var p []any
		for i := range n {
			p = append(p, r(int64(from+i), int64(7)))
		}
		return p
	}
	if _, _, err := c.Filter(mk(0, 200)); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 {
		t.Fatalf("warned at 200 hashes: %s", buf.String())
	}
	if _, _, err := c.Filter(mk(200, 1)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "201 records share the value 7") {
		t.Errorf("no warning past 200 hashes: %q", buf.String())
	}
	buf.Reset()
	if _, _, err := c.Filter(mk(300, 5)); err != nil || buf.Len() != 0 {
		t.Errorf("warned again (%v): %s", err, buf.String())
	}
}

// Filter never changes the page it is given.
func TestFilterLeavesInputAlone(t *testing.T) {
	c, _ := New(inc(initial(5)), nil, nil)
	p := []any{r(1, 1), r(2, 6), r(3, 2), r(4, 7)}
	orig := append([]any{}, p...)
	k, _, err := c.Filter(p)
	if err != nil || !reflect.DeepEqual(ids(k), []int64{2, 4}) || !reflect.DeepEqual(p, orig) {
		t.Errorf("kept %v (%v); input now %v", ids(k), err, ids(p))
	}
}

// A cursor beyond 2^53 (snowflake ids) survives a state decoded with
// json.Number; decoded as float64 it would come back rounded.
func TestBigIntState(t *testing.T) {
	cfg := inc(initial(1))
	big := int64(1<<62 + 1)
	c, _, _ := run(t, cfg, []string{"id"}, nil, page{r(1, big)})
	b, _ := json.Marshal(c.State())
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var saved map[string]any
	if err := d.Decode(&saved); err != nil {
		t.Fatal(err)
	}
	c2, kept, _ := run(t, cfg, []string{"id"}, saved, page{r(1, big), r(2, big+1)})
	if !reflect.DeepEqual(kept, [][]int64{{2}}) || c2.Values()["start_value"] != big {
		t.Errorf("kept %v, start_value %#v; want only id 2 and %d", kept, c2.Values()["start_value"], big)
	}
}
