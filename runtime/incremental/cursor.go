package incremental

import (
	"fmt"
	"github.com/sluicehq/sluice/runtime/cursorvalue"
	"log/slog"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/sluicehq/sluice/runtime/config"
	"github.com/sluicehq/sluice/runtime/jsonpath"
)

// HashWarnThreshold is the size of the boundary hash set past which a
// warning is logged (dlt's duplicate_cursor_warning_threshold).
const HashWarnThreshold = 200

// Cursor is the incremental state of one resource (or, for a dependent
// resource that asks for it, of one parent) during one run. It is not
// safe for concurrent use: give it the pages of its resource one at a
// time, in the order their rows are loaded.
type Cursor struct {
	// Logger receives the warning about a large boundary hash set; nil
	// means slog.Default().
	Logger *slog.Logger

	cfg      *config.Incremental
	isMax    bool
	key      string         // the cursor's field when cursor_path is a plain name
	path     *jsonpath.Path // else its JSONPath
	pk       []string       // de-duplication key; nil: the whole record
	dedup    bool
	hasLag   bool
	lag      float64
	initial  any
	end      any
	start    any // the run's fixed lower bound (upper for min)
	last     any // the running last value
	bindLast any // the stored last_value when the run began (initial_value on a first run)

	hasSaved     bool
	savedInitial any
	savedStart   any
	startHashes  map[string]struct{} // unique_hashes when the run began
	hashes       map[string]struct{} // hashes of the rows at the current last value
	pending      []pendingRow        // rows of this page at the last value, hashed when the page ends

	pageSeen bool // a non-empty page went through Filter
	keptAny  bool // some page kept a row
}

// pendingRow is a kept row at the running last value whose hash is still
// to be computed; i is its position in the page.
type pendingRow struct {
	i   int
	rec any
}

// simpleKeyRE is a cursor path dlt reads as a plain key (as config does).
var simpleKeyRE = regexp.MustCompile(`^[^.\[\]$*?()'"]+$`)

// New binds cfg for a run. saved is the resource's stored state object
// for this cursor (dlt: sources.<src>.resources.<res>.incremental.
// <cursor_path> = {initial_value, last_value, unique_hashes, start_value},
// numbers as encoding/json decodes them), nil or empty on the first run;
// it is ignored when end_value is set (a stateless backfill).
//
// primaryKey is the resource's primary_key: nil when it has none (rows
// are then de-duplicated by a hash of the whole record), empty to turn
// de-duplication off. cfg.PrimaryKey wins when cfg.HasPrimaryKey. A
// one-column key hashes the column's value, several hash the list of
// their values.
//
// Errors name the YAML field to fix (under cfg.Path): end_value without
// initial_value, end_value on the wrong side of initial_value, values
// that cannot be compared, a lag that cannot apply to the stored value.
func New(cfg *config.Incremental, primaryKey []string, saved map[string]any) (*Cursor, error) {
	if cfg == nil {
		return nil, fmt.Errorf("incremental: no configuration")
	}
	c := &Cursor{cfg: cfg, isMax: cfg.LastValueFunc != "min"}
	if cfg.LastValueFunc != "" && cfg.LastValueFunc != "max" && cfg.LastValueFunc != "min" {
		return nil, c.configErr("last_value_func", fmt.Sprintf("unknown last_value_func %q", cfg.LastValueFunc), "use max or min")
	}
	if cfg.CursorPath == "" {
		return nil, c.configErr("cursor_path", "cursor_path must not be empty", "name the field of each record that advances, e.g. updated_at")
	}
	if simpleKeyRE.MatchString(cfg.CursorPath) {
		c.key = cfg.CursorPath
	} else {
		p, err := jsonpath.Compile(cfg.CursorPath)
		if err != nil {
			return nil, c.configErr("cursor_path", err.Error(), "a plain field name (updated_at) or a JSONPath ($.meta.updated_at)")
		}
		c.path = p
	}

	floats := isFloat(cfg.InitialValue) || isFloat(cfg.EndValue)
	c.initial = cursorvalue.Normalize(cfg.InitialValue, floats)
	c.end = cursorvalue.Normalize(cfg.EndValue, floats)
	for _, f := range []struct {
		name string
		v    any
	}{{"initial_value", c.initial}, {"end_value", c.end}} {
		if f.v != nil && !isScalar(f.v) {
			return nil, c.configErr(f.name, fmt.Sprintf("expected a string, a number or a timestamp, got %s", cursorvalue.Kind(f.v)), "")
		}
		if x, ok := f.v.(float64); ok && (math.IsNaN(x) || math.IsInf(x, 0)) {
			return nil, c.configErr(f.name, fmt.Sprintf("%v is not a usable cursor value", x), "give a finite number")
		}
	}
	if c.end != nil {
		if c.initial == nil {
			return nil, c.configErr("end_value", "end_value requires initial_value", "a backfill runs from initial_value to end_value")
		}
		d, ok := cursorvalue.Compare(c.end, c.initial)
		textHint := ""
		if _, isStr := c.end.(string); isStr {
			textHint = "; strings compare as text, as in dlt, so write both (and the API's values) in one format and offset"
		}
		switch {
		case !ok:
			return nil, c.configErr("end_value", fmt.Sprintf("end_value %s (%s) cannot be compared with initial_value %s (%s)",
				cursorvalue.Show(c.end), cursorvalue.Kind(c.end), cursorvalue.Show(c.initial), cursorvalue.Kind(c.initial)), "give both as numbers or both as strings in the same format")
		case c.isMax && d < 0:
			return nil, c.configErr("end_value", fmt.Sprintf("Incremental `initial_value=%v` is higher than `end_value=%v`", c.initial, c.end),
				"with last_value_func: max the cursor grows, so end_value must not be below initial_value; swap them, or use last_value_func: min"+textHint)
		case !c.isMax && d > 0:
			return nil, c.configErr("end_value", fmt.Sprintf("Incremental `initial_value=%v` is lower than `end_value=%v`", c.initial, c.end),
				"with last_value_func: min the cursor shrinks, so end_value must not be above initial_value; swap them, or use last_value_func: max"+textHint)
		}
	}

	c.pk = primaryKey
	if cfg.HasPrimaryKey {
		c.pk = cfg.PrimaryKey
		if c.pk == nil {
			c.pk = []string{}
		}
	}
	if l := cfg.Lag; l != nil && (math.IsNaN(*l) || math.IsInf(*l, 0) || *l < 0) {
		return nil, c.configErr("lag", fmt.Sprintf("lag must be a finite number not below 0, got %v", *l), "lag is in seconds (days for date-only cursors)")
	}
	if cfg.Lag != nil && *cfg.Lag != 0 && c.end == nil {
		c.hasLag, c.lag = true, *cfg.Lag
	}
	noKey := c.pk != nil && len(c.pk) == 0
	c.dedup = cfg.RangeStart != "open" && c.end == nil && !c.hasLag && !noKey

	c.startHashes = map[string]struct{}{}
	c.hashes = map[string]struct{}{}
	_, hasLast := saved["last_value"]
	if c.end == nil && hasLast {
		c.hasSaved = true
		c.bindLast = cursorvalue.Normalize(saved["last_value"], floats)
		c.savedInitial = cursorvalue.Normalize(saved["initial_value"], floats)
		c.savedStart = cursorvalue.Normalize(saved["start_value"], floats)
		for _, h := range hashList(saved["unique_hashes"]) {
			c.startHashes[h] = struct{}{}
			c.hashes[h] = struct{}{}
		}
	} else {
		c.bindLast, c.savedInitial, c.savedStart = c.initial, c.initial, c.initial
	}
	c.start = c.bindLast
	if c.hasLag && c.bindLast != nil {
		s, err := c.lagged(c.bindLast)
		if err != nil {
			return nil, err
		}
		c.start = s
	}
	c.last = c.start
	return c, nil
}

// lagged applies the lag to v without crossing initial_value (dlt's
// apply_lag).
func (c *Cursor) lagged(v any) (any, error) {
	l, err := applyLag(v, c.lag, c.isMax)
	if err != nil {
		return nil, c.configErr("lag", err.Error(), "remove lag, or use a numeric or ISO timestamp cursor")
	}
	if c.initial == nil {
		return l, nil
	}
	d, ok := cursorvalue.Compare(c.initial, l)
	if !ok {
		return nil, c.configErr("initial_value", fmt.Sprintf("initial_value %s (%s) cannot be compared with the stored last value %s (%s)",
			cursorvalue.Show(c.initial), cursorvalue.Kind(c.initial), cursorvalue.Show(v), cursorvalue.Kind(v)), "give initial_value the type of the API's cursor values, or reset the pipeline's state")
	}
	if (c.isMax && d >= 0) || (!c.isMax && d <= 0) {
		return c.initial, nil
	}
	return l, nil
}

// Values are what the {incremental.*} placeholders and start_param /
// end_param see: initial_value, start_value (fixed for the run),
// last_value (the running value, with lag applied, as dlt reads it for
// every page of a dependent resource), end_value and lag; nil when unset.
// Whole numbers are int64.
func (c *Cursor) Values() map[string]any {
	last := c.stateLast()
	if c.hasLag && last != nil {
		if l, err := c.lagged(last); err == nil {
			last = l
		}
	}
	var lag any
	if c.cfg.Lag != nil {
		lag = *c.cfg.Lag
		if f := *c.cfg.Lag; f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			lag = int64(f)
		}
	}
	return map[string]any{
		"initial_value": c.initial,
		"start_value":   c.start,
		"last_value":    last,
		"end_value":     c.end,
		"lag":           lag,
	}
}

// Filter applies dlt's client-side filter (reference §6.3) to one page's
// records, in order, and returns the rows to keep (the input slice itself
// when all are kept; never changed in place). It drops rows outside
// [start_value, end_value) (bounds as range_start / range_end say),
// drops the rows at start_value that the previous run loaded (§6.4),
// advances the running last value and the boundary hash set, and
// applies on_cursor_value_missing. stop is true when row_order says no
// further page can hold wanted rows (§6.5: asc and a row past end_value,
// desc and a row before start_value); the caller ignores it for dependent
// resources. An error is a *RecordError; after one, the Cursor's state
// must not be stored.
func (c *Cursor) Filter(records []any) (kept []any, stop bool, err error) {
	if len(records) == 0 {
		return records, false, nil
	}
	c.pageSeen = true
	before := len(c.hashes)
	dropped := false
	for i, rec := range records {
		keep, startOut, endOut, err := c.place(i, rec)
		if err != nil {
			return nil, false, err
		}
		if (c.cfg.RowOrder == "asc" && endOut) || (c.cfg.RowOrder == "desc" && startOut) {
			stop = true
		}
		switch {
		case !keep && !dropped:
			dropped = true
			kept = make([]any, i, len(records))
			copy(kept, records[:i])
		case keep && dropped:
			kept = append(kept, rec)
		}
	}
	// Hash only the rows still at the last value when the page ends (as
	// dlt does): an ascending page advances on every row.
	for _, p := range c.pending {
		h, err := c.hash(p.i, p.rec)
		if err != nil {
			c.pending = c.pending[:0]
			return nil, false, err
		}
		c.hashes[h] = struct{}{}
	}
	c.pending = c.pending[:0]
	if !dropped {
		kept = records
	}
	if len(kept) > 0 {
		c.keptAny = true
	}
	if !c.dedup {
		clear(c.hashes)
	} else if before <= HashWarnThreshold && len(c.hashes) > HashWarnThreshold {
		log := c.Logger
		if log == nil {
			log = slog.Default()
		}
		log.Warn(fmt.Sprintf("%d records share the value %s of the cursor %q; their hashes are kept in the state to de-duplicate the next run. "+
			"A cursor with a finer resolution (a timestamp rather than a date) keeps the state small.", len(c.hashes), cursorvalue.Show(c.last), c.cfg.CursorPath),
			"field", c.cfg.Path+".cursor_path", "hashes", len(c.hashes))
	}
	return kept, stop, nil
}

// place decides one record (dlt's JsonIncremental.__call__).
func (c *Cursor) place(i int, rec any) (keep, startOut, endOut bool, err error) {
	v, found := c.lookup(rec)
	if !found || v == nil {
		switch c.cfg.OnCursorValueMissing {
		case "include":
			return true, false, false, nil
		case "exclude":
			return false, false, false, nil
		}
		msg := fmt.Sprintf("the record has no %q", c.cfg.CursorPath)
		if found {
			msg = fmt.Sprintf("the record's %q is null", c.cfg.CursorPath)
		}
		return false, false, false, &RecordError{Field: c.cfg.Path + ".cursor_path", Index: i, Msg: msg,
			Hint: "check cursor_path, or set on_cursor_value_missing: include to keep such records or exclude to drop them"}
	}
	if !isScalar(v) {
		return false, false, false, &RecordError{Field: c.cfg.Path + ".cursor_path", Index: i,
			Msg:  fmt.Sprintf("the record's %q is %s, not a number, string or timestamp", c.cfg.CursorPath, cursorvalue.Kind(v)),
			Hint: "point cursor_path at the field inside it, e.g. " + c.cfg.CursorPath + ".updated_at"}
	}
	if c.end != nil {
		d, ok := cursorvalue.Compare(v, c.end)
		if !ok {
			return false, false, false, c.recordErr("end_value", i, v, "end_value", c.end)
		}
		if !c.isMax {
			d = -d
		}
		if d > 0 || (d == 0 && c.cfg.RangeEnd != "closed") {
			return false, false, true, nil
		}
	}
	if c.last == nil {
		c.advance(v)
		return true, false, false, c.boundary(i, rec)
	}
	d, ok := cursorvalue.Compare(v, c.last)
	if !ok {
		return false, false, false, c.recordErr("initial_value", i, v, "last value", c.last)
	}
	if !c.isMax {
		d = -d
	}
	if d > 0 {
		c.advance(v)
		return true, false, false, c.boundary(i, rec)
	}
	if c.start != nil {
		ds, ok := cursorvalue.Compare(v, c.start)
		if !ok {
			return false, false, false, c.recordErr("initial_value", i, v, "start_value", c.start)
		}
		if !c.isMax {
			ds = -ds
		}
		switch {
		case ds < 0:
			return false, true, false, nil
		case ds == 0 && c.cfg.RangeStart == "open":
			return false, true, false, nil
		case ds == 0 && c.dedup:
			h, err := c.hash(i, rec)
			if err != nil {
				return false, false, false, err
			}
			if _, seen := c.startHashes[h]; seen {
				return false, true, false, nil
			}
			if d == 0 {
				c.hashes[h] = struct{}{}
			}
			return true, false, false, nil
		}
	}
	if d == 0 {
		return true, false, false, c.boundary(i, rec)
	}
	return true, false, false, nil
}

// advance makes v the running last value; the boundary set restarts.
func (c *Cursor) advance(v any) {
	c.last = v
	clear(c.hashes)
	c.pending = c.pending[:0]
}

// boundary notes rec as a row at the last value, to hash when the page
// ends.
func (c *Cursor) boundary(i int, rec any) error {
	if c.dedup {
		c.pending = append(c.pending, pendingRow{i, rec})
	}
	return nil
}

func (c *Cursor) hash(i int, rec any) (string, error) {
	h, err := RowHash(rec, c.pk)
	if err != nil {
		field := c.cfg.Path + ".primary_key"
		hint := "every record needs the primary key columns to de-duplicate the cursor's boundary; set incremental.primary_key: [] to turn that off"
		if !c.cfg.HasPrimaryKey {
			field = resourcePath(c.cfg.Path) + ".primary_key"
		}
		return "", &RecordError{Field: field, Index: i, Msg: err.Error(), Hint: hint}
	}
	return h, nil
}

func (c *Cursor) lookup(rec any) (any, bool) {
	if c.path == nil {
		m, ok := rec.(map[string]any)
		if !ok {
			return nil, false
		}
		v, ok := m[c.key]
		return v, ok
	}
	return c.path.First(rec)
}

// State returns the object to store back, in dlt's shape
// {initial_value, last_value, unique_hashes, start_value}, or nil when
// nothing is to be stored (an end_value run is stateless, §6.6). The
// stored last_value never moves backwards, even with lag.
func (c *Cursor) State() map[string]any {
	if c.end != nil {
		return nil
	}
	hs := make([]string, 0, len(c.hashes))
	for h := range c.hashes {
		hs = append(hs, h)
	}
	slices.Sort(hs)
	list := make([]any, len(hs))
	for i, h := range hs {
		list[i] = h
	}
	start := c.savedStart
	if c.keptAny {
		start = c.bindLast
	}
	return map[string]any{
		"initial_value": c.savedInitial,
		"last_value":    c.stateLast(),
		"unique_hashes": list,
		"start_value":   start,
	}
}

// Changed reports whether State differs from the saved state given to
// New (numbers compared by value, hashes as a set). It is false for an
// end_value run and true on a first run.
func (c *Cursor) Changed() bool {
	if c.end != nil {
		return false
	}
	if !c.hasSaved {
		return true
	}
	s := c.State()
	if !cursorvalue.Equal(s["initial_value"], c.savedInitial) || !cursorvalue.Equal(s["last_value"], c.bindLast) || !cursorvalue.Equal(s["start_value"], c.savedStart) {
		return true
	}
	if len(c.hashes) != len(c.startHashes) {
		return true
	}
	for h := range c.hashes {
		if _, ok := c.startHashes[h]; !ok {
			return true
		}
	}
	return false
}

// stateLast is the last value to store: the running value, never behind
// the stored one.
func (c *Cursor) stateLast() any {
	if c.last == nil {
		return c.bindLast
	}
	if c.bindLast != nil {
		if d, ok := cursorvalue.Compare(c.bindLast, c.last); ok && ((c.isMax && d > 0) || (!c.isMax && d < 0)) {
			return c.bindLast
		}
	}
	return c.last
}

func (c *Cursor) configErr(field, msg, hint string) error {
	return &ConfigError{Field: c.cfg.Path + "." + field, Msg: msg, Hint: hint}
}

func (c *Cursor) recordErr(field string, i int, v any, what string, bound any) error {
	return &RecordError{Field: c.cfg.Path + "." + field, Index: i,
		Msg: fmt.Sprintf("its %s %s (%s) cannot be compared with the cursor's %s %s (%s)",
			c.cfg.CursorPath, cursorvalue.Show(v), cursorvalue.Kind(v), what, cursorvalue.Show(bound), cursorvalue.Kind(bound)),
		Hint: "initial_value, end_value and the stored state must be of the kind the API returns: numbers with numbers, strings with strings"}
}

// resourcePath cuts an incremental's YAML path back to its resource.
func resourcePath(p string) string {
	if i := strings.LastIndex(p, ".endpoint"); i >= 0 {
		return p[:i]
	}
	return p
}

func isFloat(v any) bool {
	_, ok := v.(float64)
	return ok
}

func isScalar(v any) bool {
	switch v.(type) {
	case string, bool:
		return true
	}
	return cursorvalue.IsNumber(v)
}

// hashList reads a stored unique_hashes list ([]any of strings from JSON,
// or []string).
func hashList(v any) []string {
	switch t := v.(type) {
	case []string:
		return t
	case []any:
		out := make([]string, 0, len(t))
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
