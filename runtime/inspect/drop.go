package inspect

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/load"
	"github.com/sluicehq/sluice/runtime/schema"
	"github.com/sluicehq/sluice/runtime/state"
)

// DropOptions say what Drop resets.
type DropOptions struct {
	// Pipeline is the pipeline's name; SchemaName the schema and state
	// source its resources live under ("rest_api").
	Pipeline   string
	SchemaName string
	// Resources limits the reset to these resources; empty means every
	// resource (the whole state).
	Resources []string
	// Tables also drops the tables of the resources (root and nested)
	// and removes them from the stored schema.
	Tables bool
	// Now is the clock of the drop's load id; nil means the wall clock.
	Now func() time.Time
}

// DropResult says what Drop did.
type DropResult struct {
	// LoadID is the id of the load the drop committed ("" when the
	// destination held nothing of the pipeline).
	LoadID string `json:"load_id,omitempty"`
	// Resources are the resources whose state was reset.
	Resources []string `json:"resources"`
	// Tables are the tables dropped, children before parents.
	Tables []string `json:"tables"`
	// State is the state after the drop (nil when there was none), and
	// Schema the stored schema after it (nil when there was none).
	State  *state.State   `json:"-"`
	Schema *schema.Schema `json:"-"`
}

// Drop resets a pipeline in dest, in one transaction: its state loses the
// chosen resources' cursors and key-value stores (the whole `sources` for
// every resource), so the next run starts from the initial values; with
// Tables their tables are dropped too and leave the stored schema. The
// new state (and schema) is committed as a load of its own, as dlt's
// `pipeline drop` does, so `_dlt_loads` keeps the history. dest must have
// no open transaction.
func Drop(ctx context.Context, dest destination.Destination, o DropOptions) (*DropResult, error) {
	if o.SchemaName == "" {
		return nil, errors.New("inspect: Drop needs a schema name")
	}
	// base is the load that stored the state: the commit refuses if a run
	// committed a newer state since (load.CheckBase)
	raw, base, err := load.StoredStateLoad(ctx, dest, o.Pipeline)
	if err != nil {
		return nil, err
	}
	var st *state.State
	if raw != nil {
		if st, err = state.Parse(raw); err != nil {
			return nil, err
		}
	}
	sch, err := Schema(ctx, dest, o.SchemaName)
	if err != nil {
		return nil, err
	}
	last, err := lastLoadID(ctx, dest)
	if err != nil {
		return nil, err
	}
	res := &DropResult{Resources: []string{}, Tables: []string{}}
	if st == nil && sch == nil {
		return res, nil
	}
	if err := knownResources(st, sch, o); err != nil {
		return nil, err
	}
	if st == nil {
		st = state.New(o.Pipeline)
	}
	res.Resources = resetState(st, o.SchemaName, o.Resources)
	st.Version++
	var drop []string
	if o.Tables && sch != nil {
		drop = tablesOf(sch, o.Resources)
		keep := sch.Tables[:0:0]
		for _, t := range sch.Tables {
			if !slices.Contains(drop, t.Name) {
				keep = append(keep, t)
			}
		}
		sch.Tables = keep
		// a round trip rebuilds the schema's index without the tables
		if sch, err = schema.FromJSON(sch.ToJSON()); err != nil {
			return nil, err
		}
	}
	if sch == nil {
		sch = schema.New(o.SchemaName)
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	loadID := nextLoadID(now(), last)

	tx, err := dest.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := load.CheckBase(ctx, tx, o.Pipeline, base); err != nil {
		return nil, err
	}
	for i := len(drop) - 1; i >= 0; i-- {
		if err := tx.Exec(ctx, `DROP TABLE IF EXISTS `+destination.QuoteIdent(drop[i])); err != nil {
			return nil, fmt.Errorf("dropping table %s: %w", drop[i], err)
		}
		res.Tables = append(res.Tables, drop[i])
	}
	if err := commitReset(ctx, tx, o, st, sch, loadID, now().UTC()); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("committing the drop: %w", err)
	}
	res.LoadID, res.State, res.Schema = loadID, st, sch
	return res, nil
}

// resetState removes the state of the named resources (all when names is
// empty) and returns the names it reset.
func resetState(st *state.State, source string, names []string) []string {
	src, _ := st.Sources[source].(map[string]any)
	res, _ := src["resources"].(map[string]any)
	var reset []string
	if len(names) == 0 {
		for n := range res {
			reset = append(reset, n)
		}
		st.Sources = map[string]any{}
	} else {
		for _, n := range names {
			if _, ok := res[n]; ok {
				delete(res, n)
				reset = append(reset, n)
			}
		}
	}
	slices.Sort(reset)
	if reset == nil {
		reset = []string{}
	}
	return reset
}

// tablesOf lists the data tables of the named resources (all when names is
// empty), parents before children.
func tablesOf(sch *schema.Schema, names []string) []string {
	var out []string
	for _, t := range sch.DataTables() {
		root := sch.Root(t.Name)
		if root == nil {
			continue
		}
		if len(names) == 0 || slices.Contains(names, root.Resource) || slices.Contains(names, root.Name) {
			out = append(out, t.Name)
		}
	}
	return out
}

// commitReset writes the new schema version (if it changed), the new
// state and the `_dlt_loads` row of the drop.
func commitReset(ctx context.Context, tx destination.Tx, o DropOptions, st *state.State, sch *schema.Schema, loadID string, now time.Time) error {
	if err := tx.Apply(ctx, []schema.Change{
		schema.CreateChange(schema.VersionTable()),
		schema.CreateChange(schema.LoadsTable()),
		schema.CreateChange(schema.PipelineStateTable()),
	}); err != nil {
		return fmt.Errorf("creating the system tables: %w", err)
	}
	if sch.Table(schema.PipelineStateTableName) == nil {
		sch.AddTable(schema.PipelineStateTable())
	}
	sch.Bump()
	stored := false
	err := tx.Query(ctx, `SELECT 1 FROM "_dlt_version" WHERE "version_hash" = ? AND "schema_name" = ? LIMIT 1`,
		[]any{sch.VersionHash, o.SchemaName}, func(func(...any) error) error { stored = true; return nil })
	if err != nil {
		return fmt.Errorf("reading _dlt_version: %w", err)
	}
	if !stored {
		if err := insertRow(ctx, tx, schema.VersionTable(), sch.Version, int64(schema.EngineVersion), now, o.SchemaName, sch.VersionHash, string(sch.ToJSON())); err != nil {
			return err
		}
	}
	js, err := st.Marshal()
	if err != nil {
		return err
	}
	enc, err := load.CompressState(js)
	if err != nil {
		return err
	}
	if err := insertRow(ctx, tx, schema.PipelineStateTable(), st.Version, int64(load.StateEngineVersion), o.Pipeline, enc, now, st.Hash(), loadID, load.NewRowID()); err != nil {
		return err
	}
	return insertRow(ctx, tx, schema.LoadsTable(), loadID, o.SchemaName, int64(0), now, sch.VersionHash)
}

// insertRow inserts one row into a system table through the destination's
// bulk path, as the loader does.
func insertRow(ctx context.Context, tx destination.Tx, t *schema.Table, values ...any) error {
	rows := &schema.TableRows{Table: t.Name, Rows: [][]any{values}}
	for _, c := range t.Columns {
		rows.Columns = append(rows.Columns, c.Name)
		rows.Types = append(rows.Types, c.DataType)
	}
	if err := tx.Insert(ctx, rows); err != nil {
		return fmt.Errorf("writing %s: %w", t.Name, err)
	}
	return nil
}

// nextLoadID returns the Unix time as a decimal string with 6 decimals, as
// pipeline runs make them, kept strictly above last.
func nextLoadID(now time.Time, last string) string {
	t := float64(now.UnixMicro()) / 1e6
	if prev, err := strconv.ParseFloat(last, 64); err == nil && t <= prev {
		t = prev + 1e-6
	}
	return strconv.FormatFloat(t, 'f', 6, 64)
}

// knownResources refuses a resource name that neither the state nor a
// table of the schema knows: a misspelt --resources would reset nothing.
func knownResources(st *state.State, sch *schema.Schema, o DropOptions) error {
	known := map[string]bool{}
	for _, r := range Resources(st, o.SchemaName) {
		known[r.Resource] = true
	}
	if sch != nil {
		for _, t := range sch.DataTables() {
			if t.Parent == "" {
				known[t.Resource] = true
			}
		}
	}
	for _, n := range o.Resources {
		if !known[n] {
			names := make([]string, 0, len(known))
			for k := range known {
				names = append(names, k)
			}
			slices.Sort(names)
			return &UnknownResourceError{Name: n, Known: names}
		}
	}
	return nil
}

// UnknownResourceError is a resource to drop that the pipeline has
// neither state nor tables for.
type UnknownResourceError struct {
	Name  string
	Known []string
}

func (e *UnknownResourceError) Error() string {
	return fmt.Sprintf("--resources: pipeline has no state or table of a resource %q (it has: %s)", e.Name, strings.Join(e.Known, ", "))
}

// lastLoadID is the newest load id in `_dlt_loads`, "" when there is none.
func lastLoadID(ctx context.Context, r destination.Reader) (string, error) {
	ok, err := r.TableExists(ctx, schema.LoadsTableName)
	if err != nil || !ok {
		return "", err
	}
	var last string
	err = r.Query(ctx, `SELECT "load_id" FROM "_dlt_loads" ORDER BY "load_id" DESC LIMIT 1`, nil, func(scan func(...any) error) error {
		return scan(&last)
	})
	return last, err
}
