package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/schema"
)

// Merge implements destination.Tx: delete-insert or upsert of the staged
// rows of job.Root and its nested tables, in the run's transaction (see
// destination.MergeJob). The staging copies are dropped afterwards.
func (t *Tx) Merge(ctx context.Context, job destination.MergeJob) error {
	if err := t.check(); err != nil {
		return err
	}
	if err := t.merge(ctx, job); err != nil {
		return fmt.Errorf("postgres: merging %s: %w", job.Root, t.db.redact(err))
	}
	return nil
}

// merger holds what the statements of one merge share.
type merger struct {
	t     *Tx
	ctx   context.Context
	job   destination.MergeJob
	sroot string // the staging copy of the root table
}

func (m *merger) exec(q string) error {
	_, err := m.count(q)
	return err
}

// count runs q and returns the number of rows it changed.
func (m *merger) count(q string) (int64, error) {
	n, err := m.t.exec(m.ctx, q)
	if err != nil {
		return 0, fmt.Errorf("%w (in %s)", err, q)
	}
	return n, nil
}

var q = destination.QuoteIdent

// tuple is a key as one value: the column, or (a, b) for a key of several
// columns.
func tuple(cols []string) string {
	if len(cols) == 1 {
		return q(cols[0])
	}
	return "(" + quoteAll(cols, "") + ")"
}

// quoteAll quotes cols, each prefixed by alias and a dot when alias is set.
func quoteAll(cols []string, alias string) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = q(c)
		if alias != "" {
			out[i] = alias + "." + out[i]
		}
	}
	return strings.Join(out, ", ")
}

func (t *Tx) merge(ctx context.Context, job destination.MergeJob) error {
	if !t.staged[job.Root] {
		return nil
	}
	strategy := job.Strategy
	if strategy == "" {
		strategy = destination.DeleteInsert
	}
	if strategy != destination.DeleteInsert && strategy != destination.Upsert {
		return fmt.Errorf("unknown merge strategy %q (postgres does delete-insert and upsert)", strategy)
	}
	if strategy == destination.Upsert && len(job.PrimaryKey) == 0 {
		return fmt.Errorf("the upsert strategy needs a primary_key")
	}
	m := &merger{t: t, ctx: ctx, job: job, sroot: stagingName(job.Root)}
	if err := m.backfillRootIDs(); err != nil {
		return err
	}
	cols, err := t.columnNames(ctx, stagingTarget(job.Root))
	if err != nil {
		return err
	}
	has := make(map[string]bool, len(cols))
	for _, c := range cols {
		has[c] = true
	}
	var pruned int64 // staged root rows dropped (duplicates, deletes)
	// upsert always de-duplicates: a key staged twice would be inserted twice
	if len(job.PrimaryKey) > 0 && (!job.Deduplicated || strategy == destination.Upsert) {
		if pruned, err = m.dedup(has); err != nil {
			return err
		}
	}
	if hard := m.hardDeleteCond(has); hard != "" {
		// deletes delete; they are not inserted
		if err := m.deleteMarked(strategy, hard); err != nil {
			return err
		}
		n, err := m.count("DELETE FROM " + m.sroot + " WHERE " + hard)
		if err != nil {
			return err
		}
		pruned += n
	}
	if strategy == destination.Upsert {
		err = m.upsert(cols)
	} else {
		err = m.deleteInsert()
	}
	if err != nil {
		return err
	}
	// the nested rows: only those whose root row was kept
	for _, name := range job.Nested {
		if !t.staged[name] {
			continue
		}
		if pruned > 0 {
			if err := m.exec("DELETE FROM " + stagingName(name) + " AS c WHERE NOT EXISTS (SELECT 1 FROM " + m.sroot +
				" AS r WHERE r." + q(schema.ColID) + " = c." + q(schema.ColRootID) + ")"); err != nil {
				return err
			}
		}
		if err := m.insertStaged(name, ""); err != nil {
			return err
		}
	}
	for _, name := range append([]string{job.Root}, job.Nested...) {
		if t.staged[name] {
			if err := m.exec("DROP TABLE " + stagingName(name)); err != nil {
				return err
			}
			delete(t.staged, name)
			delete(t.tables, stagingName(name))
		}
	}
	return nil
}

// backfillRootIDs gives `_dlt_root_id` to the nested rows that lack it
// (rows loaded while the root was not a merge table), parents first: a
// child of the root takes its parent's `_dlt_id`, a deeper row its
// parent's `_dlt_root_id`. A nested table without the column gets it.
func (m *merger) backfillRootIDs() error {
	rootID := q(schema.ColRootID)
	for _, nested := range m.job.Nested {
		parent := m.job.Parents[nested]
		if parent == "" {
			continue
		}
		have, err := m.t.table(m.ctx, m.t.mainTarget(nested))
		if err != nil {
			return err
		}
		if have == nil {
			continue
		}
		if _, ok := have.index[schema.ColRootID]; !ok {
			if err := m.exec("ALTER TABLE " + m.t.mainName(nested) + " ADD COLUMN " + rootID + " varchar"); err != nil {
				return err
			}
			delete(m.t.tables, m.t.mainName(nested))
		}
		src := "p." + rootID
		if parent == m.job.Root {
			src = "p." + q(schema.ColID)
		}
		if err := m.exec("UPDATE " + m.t.mainName(nested) + " AS c SET " + rootID + " = " + src + " FROM " + m.t.mainName(parent) +
			" AS p WHERE p." + q(schema.ColID) + " = c." + q(schema.ColParentID) + " AND c." + rootID + " IS NULL"); err != nil {
			return err
		}
	}
	return nil
}

// dedup keeps one staged root row per primary key: the last staged, or the
// first in DedupSort order.
func (m *merger) dedup(has map[string]bool) (int64, error) {
	var order []string
	for _, s := range m.job.DedupSort {
		if !has[s.Column] {
			continue // no value has given the column a type yet
		}
		dir := " ASC"
		if s.Desc {
			dir = " DESC"
		}
		order = append(order, q(s.Column)+dir)
	}
	seq := q(seqColumn)
	if len(order) == 0 {
		order = append(order, seq+" DESC")
	} else {
		order = append(order, seq+" ASC")
	}
	return m.count("DELETE FROM " + m.sroot + " WHERE " + seq + " IN (SELECT s FROM (SELECT " + seq + " AS s, row_number() OVER (PARTITION BY " +
		quoteAll(m.job.PrimaryKey, "") + " ORDER BY " + strings.Join(order, ", ") + ") AS n FROM " + m.sroot + ") AS d WHERE n > 1)")
}

// hardDeleteCond is the condition that marks a staged row as a delete, ""
// when no hard_delete column exists.
func (m *merger) hardDeleteCond(has map[string]bool) string {
	var conds []string
	for _, h := range m.job.HardDelete {
		if !has[h.Column] {
			continue
		}
		if h.Bool {
			conds = append(conds, q(h.Column)+" IS TRUE")
		} else {
			conds = append(conds, q(h.Column)+" IS NOT NULL")
		}
	}
	if len(conds) == 0 {
		return ""
	}
	return "(" + strings.Join(conds, " OR ") + ")"
}

// keyIn is the condition "the row's key is among the staged rows' keys
// (that match where, if given)".
func (m *merger) keyIn(key []string, where string) string {
	k := tuple(key)
	s := k + " IN (SELECT " + quoteAll(key, "") + " FROM " + m.sroot
	if where != "" {
		s += " WHERE " + where
	}
	return s + ")"
}

// deleteRoots deletes the destination root rows matching cond and, first,
// their nested rows; with nestedOnly the root rows stay.
func (m *merger) deleteRoots(cond string, nestedOnly bool) error {
	t := m.t
	for i := len(m.job.Nested) - 1; i >= 0; i-- {
		nested := m.job.Nested[i]
		have, err := t.table(m.ctx, t.mainTarget(nested))
		if err != nil {
			return err
		}
		if have == nil {
			continue
		}
		if _, ok := have.index[schema.ColRootID]; !ok {
			return fmt.Errorf("nested table %s has no %s column and its parent table is unknown; drop it to merge", nested, schema.ColRootID)
		}
		if err := m.exec("DELETE FROM " + t.mainName(nested) + " WHERE " + q(schema.ColRootID) +
			" IN (SELECT " + q(schema.ColID) + " FROM " + t.mainName(m.job.Root) + " WHERE " + cond + ")"); err != nil {
			return err
		}
	}
	if nestedOnly {
		return nil
	}
	return m.exec("DELETE FROM " + t.mainName(m.job.Root) + " WHERE " + cond)
}

// deleteMarked deletes the destination records that staged deletes name:
// by primary key or merge key under delete-insert (the same keys that
// replace), by primary key under upsert.
func (m *merger) deleteMarked(strategy, hard string) error {
	keys := [][]string{m.job.PrimaryKey}
	if strategy != destination.Upsert {
		keys = append(keys, m.job.MergeKey)
	}
	var conds []string
	for _, key := range keys {
		if len(key) > 0 {
			conds = append(conds, m.keyIn(key, hard))
		}
	}
	if len(conds) == 0 {
		return nil
	}
	return m.deleteRoots(strings.Join(conds, " OR "), false)
}

// deleteInsert deletes what the staged rows replace (by primary key or
// merge key) and inserts the staged root rows.
func (m *merger) deleteInsert() error {
	var conds []string
	for _, key := range [][]string{m.job.PrimaryKey, m.job.MergeKey} {
		if len(key) > 0 {
			conds = append(conds, m.keyIn(key, ""))
		}
	}
	if len(conds) > 0 {
		if err := m.deleteRoots(strings.Join(conds, " OR "), false); err != nil {
			return err
		}
	}
	return m.insertStaged(m.job.Root, "")
}

// upsert updates the root rows of the staged keys in place (their old
// nested rows go) and inserts the rest.
func (m *merger) upsert(cols []string) error {
	pk := m.job.PrimaryKey
	if err := m.deleteRoots(m.keyIn(pk, ""), true); err != nil {
		return err
	}
	var set, on, onStaged []string
	for _, c := range cols {
		set = append(set, q(c)+" = s."+q(c))
	}
	for _, k := range pk {
		on = append(on, "d."+q(k)+" = s."+q(k))
		onStaged = append(onStaged, "d."+q(k)+" = "+m.sroot+"."+q(k))
	}
	if err := m.exec("UPDATE " + m.t.mainName(m.job.Root) + " AS d SET " + strings.Join(set, ", ") +
		" FROM " + m.sroot + " AS s WHERE " + strings.Join(on, " AND ")); err != nil {
		return err
	}
	return m.insertStaged(m.job.Root, "NOT EXISTS (SELECT 1 FROM "+m.t.mainName(m.job.Root)+" AS d WHERE "+
		strings.Join(onStaged, " AND ")+")")
}

// insertStaged copies the staged rows of table (those matching where, if
// given) into the destination table, in staging order.
func (m *merger) insertStaged(table, where string) error {
	cols, err := m.t.columnNames(m.ctx, stagingTarget(table))
	if err != nil {
		return err
	}
	c := quoteAll(cols, "")
	s := "INSERT INTO " + m.t.mainName(table) + " (" + c + ") SELECT " + c + " FROM " + stagingName(table)
	if where != "" {
		s += " WHERE " + where
	}
	return m.exec(s + " ORDER BY " + q(seqColumn))
}
