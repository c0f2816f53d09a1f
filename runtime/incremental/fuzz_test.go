package incremental

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/sluicehq/sluice/runtime/cursorvalue"
	"math"
	"testing"
	"time"

	"github.com/sluicehq/sluice/runtime/config"
	"github.com/sluicehq/sluice/runtime/jsondec"
)

// FuzzFilter feeds random records, cursor values and configurations
// through a run and a second run on the stored state: no panic, errors
// are the package's own, and dlt's invariants hold (§6.3–§6.7).
func FuzzFilter(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 5, 200, 130}, uint16(0x80), int64(2), int64(9), 0.0)
	f.Add([]byte{0x81, 0x82, 0x83, 0xc0, 0x84}, uint16(0x81|0x400), int64(3), int64(1), 1.0)
	f.Add([]byte{0x45, 0x46, 0x47, 0x41}, uint16(0x80|0x100|0x04|0x08), int64(1), int64(7), 0.0)
	f.Add([]byte{7, 6, 5, 4, 3}, uint16(0x80|0x10|0x01), int64(6), int64(0), 0.0)
	f.Add([]byte{0x85, 0x86, 0x87}, uint16(0x80|0x200|0x400), int64(4), int64(0), 86400.0)
	f.Add([]byte(`[{"id":1,"c":5},{"id":2,"c":7.5},{"id":3,"c":null},{"id":4},{"c":"x"},3,[1]]`), uint16(0x2000|0x40), int64(5), int64(10), 0.0)
	f.Add([]byte(`[{"id":1,"c":123456789012345678901234567890},{"id":2,"c":{"a":1}}]`), uint16(0), int64(0), int64(0), 2.5)
	dec := jsondec.NewStd()
	f.Fuzz(func(t *testing.T, data []byte, flags uint16, iv, ev int64, lag float64) {
		strs := flags&0x400 != 0
		cfg := &config.Incremental{CursorPath: "c", LastValueFunc: "max", OnCursorValueMissing: "raise",
			RangeStart: "closed", RangeEnd: "open", Path: "source.resources[0].endpoint.incremental"}
		if flags&0x2000 != 0 {
			cfg.CursorPath = "$.c"
		}
		if flags&0x01 != 0 {
			cfg.LastValueFunc = "min"
		}
		if flags&0x02 != 0 {
			cfg.RangeStart = "open"
		}
		if flags&0x04 != 0 {
			cfg.RangeEnd = "closed"
		}
		cfg.RowOrder = []string{"", "asc", "desc", ""}[flags>>3&3]
		cfg.OnCursorValueMissing = []string{"raise", "include", "exclude", "include"}[flags>>5&3]
		value := func(x int64) any {
			if strs {
				return fmt.Sprintf("2024-01-%02d", uint64(x)%28+1)
			}
			return x % 16
		}
		if flags&0x80 != 0 {
			cfg.InitialValue = value(iv)
		}
		if flags&0x100 != 0 {
			cfg.EndValue = value(ev)
		}
		if flags&0x200 != 0 && !math.IsNaN(lag) {
			l := math.Mod(math.Abs(lag), 1e6)
			cfg.Lag = &l
		}
		var pk []string
		switch flags >> 11 & 3 {
		case 1:
			pk = []string{"id"}
		case 2:
			pk = []string{}
		}

		// Records: a JSON list as given, or one generated record per byte.
		var recs []any
		generated := false
		if v, err := dec.Decode(data); err == nil {
			if l, ok := v.([]any); ok {
				recs = l
			}
		}
		if recs == nil {
			generated = true
			for i, b := range data {
				rec := map[string]any{"id": int64(i)}
				switch b >> 6 {
				case 0:
					rec["c"] = int64(b & 15)
				case 1:
					rec["c"] = float64(b&15) / 2
				case 2:
					rec["c"] = fmt.Sprintf("2024-01-%02d", b&15+1)
				default:
					if b&1 == 0 {
						rec["c"] = nil
					}
				}
				recs = append(recs, rec)
			}
		}
		pages := [][]any{recs[:len(recs)/2], recs[len(recs)/2:]}

		c, err := New(cfg, pk, nil)
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("New: %T %v", err, err)
			}
			return
		}
		start, end := c.start, c.end
		better := func(a, b any) bool { // a strictly beyond b in the cursor's direction
			d, _ := cursorvalue.Compare(a, b)
			if cfg.LastValueFunc == "min" {
				d = -d
			}
			return d > 0
		}
		var keptVals []any
		missingCursor := false
		for _, p := range pages {
			kept, _, err := c.Filter(p)
			if err != nil {
				var re *RecordError
				if !errors.As(err, &re) || re.Index < 0 || re.Index >= len(p) {
					t.Fatalf("Filter: %T %v", err, err)
				}
				return
			}
			if len(kept) > len(p) {
				t.Fatalf("kept %d of %d", len(kept), len(p))
			}
			for _, k := range kept {
				v, found := c.lookup(k)
				if !found || v == nil {
					missingCursor = true
					if cfg.OnCursorValueMissing != "include" {
						t.Fatalf("kept a record without a cursor under %s", cfg.OnCursorValueMissing)
					}
					continue
				}
				keptVals = append(keptVals, v)
				if start != nil {
					if better(start, v) {
						t.Fatalf("kept %v before start_value %v", cursorvalue.Show(v), cursorvalue.Show(start))
					}
					if cfg.RangeStart == "open" && cursorvalue.Equal(v, start) {
						t.Fatalf("kept %v equal to start_value with range_start open", cursorvalue.Show(v))
					}
				}
				if end != nil && (better(v, end) || (cfg.RangeEnd == "open" && cursorvalue.Equal(v, end))) {
					t.Fatalf("kept %v beyond end_value %v (range_end %s)", cursorvalue.Show(v), cursorvalue.Show(end), cfg.RangeEnd)
				}
			}
		}
		s := c.State()
		if end != nil {
			if s != nil || c.Changed() {
				t.Fatalf("end_value run stored %v", s)
			}
			return
		}
		last := s["last_value"]
		for _, v := range keptVals {
			if last == nil || better(v, last) {
				t.Fatalf("kept %v beyond the stored last_value %v", cursorvalue.Show(v), cursorvalue.Show(last))
			}
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("state does not encode: %v", err)
		}
		// Numbers kept exact (json.Number), as New accepts them: a float64
		// decode loses integers beyond 2^53 (see TestBigIntState).
		var saved map[string]any
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		if err := d.Decode(&saved); err != nil {
			t.Fatal(err)
		}

		// A second run over the same data keeps nothing new when boundary
		// rows are de-duplicated (or excluded by range_start: open).
		c2, err := New(cfg, pk, saved)
		if err != nil {
			t.Fatalf("New on the stored state %s: %v", b, err)
		}
		if last2 := c2.State()["last_value"]; !cursorvalue.Equal(last2, last) && !(last2 == nil && last == nil) {
			t.Fatalf("stored last_value %v came back as %v", cursorvalue.Show(last), cursorvalue.Show(last2))
		}
		for _, p := range pages {
			kept, _, err := c2.Filter(p)
			if err != nil {
				if generated {
					t.Fatalf("second run failed where the first did not: %v", err)
				}
				return
			}
			if l2 := c2.State()["last_value"]; last != nil && better(last, l2) {
				t.Fatalf("last_value moved back from %v to %v", cursorvalue.Show(last), cursorvalue.Show(l2))
			}
			noRepeat := generated && !c.hasLag && (c.dedup || cfg.RangeStart == "open")
			for _, k := range kept {
				if v, found := c2.lookup(k); found && v != nil && noRepeat {
					t.Fatalf("second run kept %v again (state %s)", cursorvalue.Show(k), b)
				}
			}
		}
		if generated && !c.hasLag && (c.dedup || cfg.RangeStart == "open") && !missingCursor && c2.Changed() {
			t.Fatalf("second run on the same data changed the state: %s -> %v", b, c2.State())
		}
	})
}

// FuzzApplyLag: lag on any string or number never panics, and a lagged
// timestamp keeps its format and moves the right way.
func FuzzApplyLag(f *testing.F) {
	for _, s := range []string{"2024-01-02T00:00:00Z", "2024-01-02T00:00:00.120+02:00", "20240301", "2024-03", "2024-01-02 10:11", "abc", "2024-13-45"} {
		f.Add(s, 3600.0, true)
	}
	f.Add("", 1.0, false)
	f.Fuzz(func(t *testing.T, s string, lag float64, isMax bool) {
		if math.IsNaN(lag) || math.IsInf(lag, 0) || lag < 0 {
			return // New refuses these
		}
		lag = math.Mod(lag, 1e7)
		got, err := applyLag(s, lag, isMax)
		if err != nil {
			return
		}
		g, ok := got.(string)
		if !ok {
			t.Fatalf("applyLag(%q) = %#v, not a string", s, got)
		}
		layout, _, ok := isoLayout(s)
		if !ok {
			t.Fatalf("applyLag accepted %q that isoLayout refuses", s)
		}
		gt, err := time.Parse(layout, g)
		if err != nil {
			return // the year left 0000–9999
		}
		st, _ := time.Parse(layout, s)
		if d := gt.Compare(st); (isMax && d > 0) || (!isMax && d < 0) {
			t.Fatalf("applyLag(%q, %v, max=%v) = %q moved the wrong way", s, lag, isMax, g)
		}
	})
}
