// Package sqlmerge carries out a destination.MergeJob in SQL: the
// delete-insert and upsert merges of a root table and its nested tables,
// with deduplication, hard deletes and the `_dlt_root_id` backfill, as the
// SQL destinations (SQLite, DuckDB, PostgreSQL) all do them. A destination
// describes the few places its SQL differs in a Dialect; the statements
// and their order are one piece of code.
package sqlmerge

import (
	"context"
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/schema"
)

// Dialect is what a merge needs of one database and of the transaction it
// runs in.
type Dialect struct {
	// Name names the destination in messages ("duckdb").
	Name string
	// Exec runs one statement in the run's transaction and returns the
	// number of rows it changed.
	Exec func(ctx context.Context, q string) (int64, error)
	// Main and Staging are the quoted, qualified names of a destination
	// table and of its staging copy.
	Main, Staging func(table string) string
	// Columns lists the columns of a destination table (staging false) or
	// of its staging copy (staging true), in order and without any column
	// of the destination's own (a staging sequence); nil when the table
	// does not exist.
	Columns func(ctx context.Context, table string, staging bool) ([]string, error)
	// Altered is told after a column was added to a destination table, so
	// that what is cached of it is read again.
	Altered func(table string)
	// Staged reports whether table has a staging copy; Dropped is told
	// when the merge dropped it.
	Staged  func(table string) bool
	Dropped func(table string)
	// Row is a key of several columns as one value on the left of IN
	// (DuckDB `row(a, b)`; SQLite and PostgreSQL `(a, b)`), and RowSelect
	// the same key as the select list of the subquery on the right
	// (DuckDB `row(a, b)`; SQLite and PostgreSQL `a, b`).
	Row, RowSelect func(quoted string) string
	// Order is the column that orders a staging copy's rows as they were
	// staged (`rowid`; PostgreSQL: a sequence column).
	Order string
	// Text is the column type of an added `_dlt_root_id`.
	Text string
	// IsTrue is the test of a bool column for true (" IS TRUE"; SQLite,
	// which stores 0 and 1: " = 1").
	IsTrue string
	// AntiJoin writes "not among" as NOT EXISTS with a correlated
	// subquery instead of NOT IN (PostgreSQL plans NOT IN over a large
	// subquery row by row), and UpdateFrom backfills `_dlt_root_id` with
	// UPDATE … FROM instead of a correlated subquery per row.
	AntiJoin, UpdateFrom bool
}

// Run merges the staged rows of job.Root and its nested tables into the
// destination tables (see destination.MergeJob) and drops the staging
// copies. A root that has no staging copy is nothing to merge.
func Run(ctx context.Context, d *Dialect, job destination.MergeJob) error {
	if !d.Staged(job.Root) {
		return nil
	}
	strategy := job.Strategy
	if strategy == "" {
		strategy = destination.DeleteInsert
	}
	if strategy != destination.DeleteInsert && strategy != destination.Upsert {
		return fmt.Errorf("unknown merge strategy %q (%s does delete-insert and upsert)", strategy, d.Name)
	}
	if strategy == destination.Upsert && len(job.PrimaryKey) == 0 {
		return fmt.Errorf("the upsert strategy needs a primary_key")
	}
	m := &merger{d: d, ctx: ctx, job: job, sroot: d.Staging(job.Root)}
	if err := m.backfillRootIDs(); err != nil {
		return err
	}
	cols, err := d.Columns(ctx, job.Root, true)
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
		if !d.Staged(name) {
			continue
		}
		if pruned > 0 {
			if err := m.exec("DELETE FROM " + m.notAmong(d.Staging(name), schema.ColRootID, m.sroot, schema.ColID)); err != nil {
				return err
			}
		}
		if err := m.insertStaged(name, ""); err != nil {
			return err
		}
	}
	for _, name := range append([]string{job.Root}, job.Nested...) {
		if d.Staged(name) {
			if err := m.exec("DROP TABLE " + d.Staging(name)); err != nil {
				return err
			}
			d.Dropped(name)
		}
	}
	return nil
}

var q = destination.QuoteIdent

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

// merger holds what the statements of one merge share.
type merger struct {
	d     *Dialect
	ctx   context.Context
	job   destination.MergeJob
	sroot string // the staging copy of the root table
}

func (m *merger) exec(s string) error {
	_, err := m.count(s)
	return err
}

// count runs s and returns the number of rows it changed.
func (m *merger) count(s string) (int64, error) {
	n, err := m.d.Exec(m.ctx, s)
	if err != nil {
		return 0, fmt.Errorf("%w (in %s)", err, s)
	}
	return n, nil
}

// key is a key as one value: the column, or the dialect's row of them.
func (m *merger) key(cols []string) string {
	if len(cols) == 1 {
		return q(cols[0])
	}
	return m.d.Row(quoteAll(cols, ""))
}

// keySelect is a key as the select list of an IN subquery.
func (m *merger) keySelect(cols []string) string {
	if len(cols) == 1 {
		return q(cols[0])
	}
	return m.d.RowSelect(quoteAll(cols, ""))
}

// notAmong is "<table> … WHERE its col matches no other.otherCol", the
// rest of a DELETE FROM.
func (m *merger) notAmong(table, col, other, otherCol string) string {
	if m.d.AntiJoin {
		return table + " AS c WHERE NOT EXISTS (SELECT 1 FROM " + other + " AS r WHERE r." + q(otherCol) + " = c." + q(col) + ")"
	}
	return table + " WHERE " + q(col) + " NOT IN (SELECT " + q(otherCol) + " FROM " + other + ")"
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
		have, err := m.d.Columns(m.ctx, nested, false)
		if err != nil {
			return err
		}
		if have == nil {
			continue
		}
		if !contains(have, schema.ColRootID) {
			if err := m.exec("ALTER TABLE " + m.d.Main(nested) + " ADD COLUMN " + rootID + " " + m.d.Text); err != nil {
				return err
			}
			m.d.Altered(nested)
		}
		src := "p." + rootID
		if parent == m.job.Root {
			src = "p." + q(schema.ColID)
		}
		s := "UPDATE " + m.d.Main(nested) + " SET " + rootID + " = (SELECT " + src + " FROM " + m.d.Main(parent) +
			" AS p WHERE p." + q(schema.ColID) + " = " + q(nested) + "." + q(schema.ColParentID) + ") WHERE " + rootID + " IS NULL"
		if m.d.UpdateFrom {
			s = "UPDATE " + m.d.Main(nested) + " AS c SET " + rootID + " = " + src + " FROM " + m.d.Main(parent) +
				" AS p WHERE p." + q(schema.ColID) + " = c." + q(schema.ColParentID) + " AND c." + rootID + " IS NULL"
		}
		if err := m.exec(s); err != nil {
			return err
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
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
	if len(order) == 0 {
		order = append(order, m.d.Order+" DESC")
	} else {
		order = append(order, m.d.Order+" ASC")
	}
	return m.count("DELETE FROM " + m.sroot + " WHERE " + m.d.Order + " IN (SELECT s FROM (SELECT " + m.d.Order +
		" AS s, row_number() OVER (PARTITION BY " + quoteAll(m.job.PrimaryKey, "") + " ORDER BY " + strings.Join(order, ", ") +
		") AS n FROM " + m.sroot + ") AS d WHERE n > 1)")
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
			conds = append(conds, q(h.Column)+m.d.IsTrue)
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
	s := m.key(key) + " IN (SELECT " + m.keySelect(key) + " FROM " + m.sroot
	if where != "" {
		s += " WHERE " + where
	}
	return s + ")"
}

// deleteRoots deletes the destination root rows matching cond and, first,
// their nested rows; with nestedOnly the root rows stay.
func (m *merger) deleteRoots(cond string, nestedOnly bool) error {
	for i := len(m.job.Nested) - 1; i >= 0; i-- {
		nested := m.job.Nested[i]
		have, err := m.d.Columns(m.ctx, nested, false)
		if err != nil {
			return err
		}
		if have == nil {
			continue
		}
		if !contains(have, schema.ColRootID) {
			return fmt.Errorf("nested table %s has no %s column and its parent table is unknown; drop it to merge", nested, schema.ColRootID)
		}
		if err := m.exec("DELETE FROM " + m.d.Main(nested) + " WHERE " + q(schema.ColRootID) +
			" IN (SELECT " + q(schema.ColID) + " FROM " + m.d.Main(m.job.Root) + " WHERE " + cond + ")"); err != nil {
			return err
		}
	}
	if nestedOnly {
		return nil
	}
	return m.exec("DELETE FROM " + m.d.Main(m.job.Root) + " WHERE " + cond)
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
	main := m.d.Main(m.job.Root)
	if err := m.exec("UPDATE " + main + " AS d SET " + strings.Join(set, ", ") +
		" FROM " + m.sroot + " AS s WHERE " + strings.Join(on, " AND ")); err != nil {
		return err
	}
	if m.d.AntiJoin {
		return m.insertStaged(m.job.Root, "NOT EXISTS (SELECT 1 FROM "+main+" AS d WHERE "+strings.Join(onStaged, " AND ")+")")
	}
	return m.insertStaged(m.job.Root, m.key(pk)+" NOT IN (SELECT "+m.keySelect(pk)+" FROM "+main+")")
}

// insertStaged copies the staged rows of table (those matching where, if
// given) into the destination table, in staging order.
func (m *merger) insertStaged(table, where string) error {
	cols, err := m.d.Columns(m.ctx, table, true)
	if err != nil {
		return err
	}
	c := quoteAll(cols, "")
	s := "INSERT INTO " + m.d.Main(table) + " (" + c + ") SELECT " + c + " FROM " + m.d.Staging(table)
	if where != "" {
		s += " WHERE " + where
	}
	return m.exec(s + " ORDER BY " + m.d.Order)
}
