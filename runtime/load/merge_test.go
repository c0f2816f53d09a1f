package load_test

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/runtime/load"
	"github.com/sluicehq/sluice/runtime/normalize"
	"github.com/sluicehq/sluice/runtime/schema"
)

// TestMergeStrategies runs each case's runs (pages of records) one after
// the other into a new file and checks what a user would query.
func TestMergeStrategies(t *testing.T) {
	merge := func(strategy string, pk, mk []string, cols map[string]map[string]any) *normalize.TableHints {
		return &normalize.TableHints{Name: "users", WriteDisposition: "merge", MergeStrategy: strategy, PrimaryKey: pk, MergeKey: mk, Columns: cols}
	}
	id := []string{"id"}
	// users with their tags, in table order
	const withTags = `SELECT u.id, u.name, coalesce((SELECT group_concat(value, ',') FROM users__tags t WHERE t._dlt_parent_id = u._dlt_id), '')
		FROM users u ORDER BY u.rowid`
	const names = `SELECT id, name FROM users ORDER BY rowid`
	tests := []struct {
		name  string
		hints *normalize.TableHints
		runs  [][][]any
		query string
		want  [][]string
	}{
		{
			name:  "delete-insert: updated records move to the end, nested rows follow",
			hints: merge("", id, nil, nil),
			runs: [][][]any{
				{page(`{"id": 1, "name": "a", "tags": ["x", "y"]}`, `{"id": 2, "name": "b", "tags": ["z"]}`)},
				{page(`{"id": 1, "name": "a2", "tags": ["q"]}`, `{"id": 3, "name": "c"}`)},
			},
			query: withTags,
			want:  [][]string{{"2", "b", "z"}, {"1", "a2", "q"}, {"3", "c", ""}},
		},
		{
			name:  "delete-insert: duplicates in one run, the last one wins, across pages",
			hints: merge("delete-insert", id, nil, nil),
			runs: [][][]any{{
				page(`{"id": 1, "name": "a1", "tags": ["1"]}`, `{"id": 2, "name": "b1"}`),
				page(`{"id": 1, "name": "a2", "tags": ["2"]}`, `{"id": 1, "name": "a3", "tags": ["3"]}`),
			}},
			query: withTags,
			want:  [][]string{{"2", "b1", ""}, {"1", "a3", "3"}},
		},
		{
			name:  "delete-insert: dedup_sort desc keeps the highest, ties the first",
			hints: merge("", id, nil, map[string]map[string]any{"lsn": {"dedup_sort": "desc"}}),
			runs: [][][]any{{page(`{"id": 1, "name": "a", "lsn": 1}`, `{"id": 1, "name": "b", "lsn": 3}`, `{"id": 1, "name": "c", "lsn": 2}`,
				`{"id": 2, "name": "d", "lsn": 1}`, `{"id": 2, "name": "e", "lsn": 1}`)}},
			query: names,
			want:  [][]string{{"1", "b"}, {"2", "d"}},
		},
		{
			name:  "delete-insert: dedup_sort asc keeps the lowest",
			hints: merge("", id, nil, map[string]map[string]any{"lsn": {"dedup_sort": "asc"}}),
			runs:  [][][]any{{page(`{"id": 1, "name": "a", "lsn": 2}`, `{"id": 1, "name": "b", "lsn": 1}`, `{"id": 1, "name": "c", "lsn": 3}`)}},
			query: names,
			want:  [][]string{{"1", "b"}},
		},
		{
			name: "delete-insert: deduplicated keeps what it is given",
			hints: func() *normalize.TableHints {
				h := merge("", id, nil, nil)
				h.Deduplicated = true
				return h
			}(),
			runs: [][][]any{
				{page(`{"id": 1, "name": "old"}`)},
				{page(`{"id": 1, "name": "a"}`, `{"id": 1, "name": "b"}`)},
			},
			query: names,
			want:  [][]string{{"1", "a"}, {"1", "b"}},
		},
		{
			name:  "delete-insert: a merge key replaces every row of its value",
			hints: &normalize.TableHints{Name: "users", WriteDisposition: "merge", MergeKey: []string{"day"}},
			runs: [][][]any{
				{page(`{"day": "d1", "id": 1, "name": "a"}`, `{"day": "d1", "id": 2, "name": "b"}`, `{"day": "d2", "id": 3, "name": "c"}`)},
				{page(`{"day": "d1", "id": 4, "name": "d"}`, `{"day": "d1", "id": 4, "name": "d"}`)},
			},
			query: `SELECT day, id FROM users ORDER BY rowid`,
			want:  [][]string{{"d2", "3"}, {"d1", "4"}, {"d1", "4"}},
		},
		{
			name:  "delete-insert: primary key and merge key both delete",
			hints: merge("", id, []string{"day"}, nil),
			runs: [][][]any{
				{page(`{"day": "d1", "id": 1, "name": "a"}`, `{"day": "d2", "id": 2, "name": "b"}`, `{"day": "d3", "id": 3, "name": "c"}`)},
				{page(`{"day": "d1", "id": 4, "name": "d"}`, `{"day": "d9", "id": 2, "name": "b2"}`)},
			},
			query: names,
			want:  [][]string{{"3", "c"}, {"4", "d"}, {"2", "b2"}},
		},
		{
			name:  "delete-insert: hard_delete bool deletes the record and its nested rows",
			hints: merge("", id, nil, map[string]map[string]any{"deleted": {"hard_delete": true, "data_type": "bool"}}),
			runs: [][][]any{
				{page(`{"id": 1, "name": "a", "tags": ["x"]}`, `{"id": 2, "name": "b", "tags": ["y"]}`, `{"id": 3, "name": "c"}`)},
				{page(`{"id": 1, "deleted": true}`, `{"id": 2, "name": "b2", "deleted": false, "tags": ["w"]}`, `{"id": 4, "name": "d", "deleted": true}`)},
			},
			query: withTags + ` -- plus the orphans below`,
			want:  [][]string{{"3", "c", ""}, {"2", "b2", "w"}},
		},
		{
			name:  "delete-insert: hard_delete on another type deletes when not null; the last row of a key decides",
			hints: merge("", id, nil, map[string]map[string]any{"deleted_at": {"hard_delete": true}, "lsn": {"dedup_sort": "desc"}}),
			runs: [][][]any{
				{page(`{"id": 1, "name": "a"}`, `{"id": 2, "name": "b"}`)},
				{page(`{"id": 1, "lsn": 1, "deleted_at": "2024-02-22T12:34:56Z"}`, `{"id": 1, "name": "a2", "lsn": 2}`,
					`{"id": 2, "name": "b2", "lsn": 1}`, `{"id": 2, "lsn": 2, "deleted_at": "2024-02-22T12:34:56Z"}`)},
			},
			query: names,
			want:  [][]string{{"1", "a2"}},
		},
		{
			name:  "upsert: updates in place, inserts new keys, replaces nested rows of updated records",
			hints: merge("upsert", id, nil, nil),
			runs: [][][]any{
				{page(`{"id": 1, "name": "a", "tags": ["x", "y"]}`, `{"id": 2, "name": "b", "tags": ["z"]}`, `{"id": 3, "name": "c", "tags": ["k"]}`)},
				{page(`{"id": 2, "name": "b2", "tags": ["q"]}`, `{"id": 4, "name": "d", "tags": ["n"]}`, `{"id": 1, "name": "a2"}`)},
			},
			query: withTags,
			want:  [][]string{{"1", "a2", ""}, {"2", "b2", "q"}, {"3", "c", "k"}, {"4", "d", "n"}},
		},
		{
			name:  "upsert: duplicates in one run, the last one wins",
			hints: merge("upsert", id, nil, nil),
			runs: [][][]any{
				{page(`{"id": 1, "name": "a"}`)},
				{page(`{"id": 1, "name": "a2"}`, `{"id": 2, "name": "b"}`), page(`{"id": 1, "name": "a3"}`, `{"id": 2, "name": "b2"}`)},
			},
			query: names,
			want:  [][]string{{"1", "a3"}, {"2", "b2"}},
		},
		{
			name:  "upsert: hard_delete",
			hints: merge("upsert", id, nil, map[string]map[string]any{"deleted": {"hard_delete": true}}),
			runs: [][][]any{
				{page(`{"id": 1, "name": "a", "tags": ["x"]}`, `{"id": 2, "name": "b"}`)},
				{page(`{"id": 1, "deleted": true}`, `{"id": 2, "name": "b2", "deleted": false}`, `{"id": 3, "name": "c", "deleted": true}`)},
			},
			query: withTags,
			want:  [][]string{{"2", "b2", ""}},
		},
		{
			name:  "upsert: a compound primary key",
			hints: merge("upsert", []string{"id", "region"}, nil, nil),
			runs: [][][]any{
				{page(`{"id": 1, "region": "eu", "name": "a"}`, `{"id": 1, "region": "us", "name": "b"}`)},
				{page(`{"id": 1, "region": "us", "name": "b2"}`, `{"id": 2, "region": "eu", "name": "c"}`)},
			},
			query: `SELECT id, region, name FROM users ORDER BY rowid`,
			want:  [][]string{{"1", "eu", "a"}, {"1", "us", "b2"}, {"2", "eu", "c"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachDest(t, "merge", func(t *testing.T, path string) {
				for _, pages := range tt.runs {
					runLoad(t, path, "", resource{tt.hints, pages})
				}
				if got := rows(t, path, tt.query); !reflect.DeepEqual(got, tt.want) {
					t.Errorf("\n got %v\nwant %v", got, tt.want)
				}
				// nested rows never outlive their record
				if tableExists(t, path, "users__tags") {
					if o := one(t, path, `SELECT count(*) FROM users__tags WHERE _dlt_root_id NOT IN (SELECT _dlt_id FROM users)`); o != "0" {
						t.Errorf("%s orphaned nested rows", o)
					}
				}
			})
		})
	}
}

// TestMergeStrategyInSchema: the strategy is kept in the stored schema
// under dlt's table hint.
func TestMergeStrategyInSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hint.db")
	h := &normalize.TableHints{Name: "users", WriteDisposition: "merge", MergeStrategy: "upsert", PrimaryKey: []string{"id"}, Deduplicated: true}
	_, s := runLoad(t, path, "", resource{h, [][]any{page(`{"id": 1}`)}})
	tb := s.Table("users")
	if tb.Extra["x-merge-strategy"] != "upsert" || tb.Extra["x-stage-data-deduplicated"] != true {
		t.Errorf("table hints %v", tb.Extra)
	}
	if got := one(t, path, `SELECT json_extract(schema, '$.tables.users."x-merge-strategy"') FROM _dlt_version`); got != "upsert" {
		t.Errorf("stored x-merge-strategy %q", got)
	}
}

// TestUpsertNeedsPrimaryKey: the loader refuses an upsert it cannot do
// rather than appending, and the file is left as it was.
func TestUpsertNeedsPrimaryKey(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, filepath.Join(t.TempDir(), "u.db"))
	defer db.Close()
	s := schema.New(schemaName)
	n := normalize.New(s, normalize.Options{LoadID: load.NewLoadID()})
	l := load.New(db)
	if err := l.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	defer l.Rollback()
	b, err := n.Normalize(&normalize.TableHints{Name: "users", WriteDisposition: "merge", MergeStrategy: "upsert"}, page(`{"id": 1}`))
	if err != nil {
		t.Fatal(err)
	}
	err = l.Write(ctx, b)
	if err == nil || !strings.Contains(err.Error(), "needs a primary_key") {
		t.Fatalf("Write = %v, want an error asking for a primary_key", err)
	}
}

// TestKeylessMergeWarns: a merge without keys appends, and says so once.
func TestKeylessMergeWarns(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, filepath.Join(t.TempDir(), "k.db"))
	defer db.Close()
	var logs bytes.Buffer
	s := schema.New(schemaName)
	n := normalize.New(s, normalize.Options{LoadID: load.NewLoadID()})
	l := load.New(db).WithLogger(slog.New(slog.NewTextHandler(&logs, nil)))
	if err := l.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	defer l.Rollback()
	h := &normalize.TableHints{Name: "logs", WriteDisposition: "merge"}
	for range 2 {
		b, err := n.Normalize(h, page(`{"m": 1}`))
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Write(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if c := strings.Count(logs.String(), "no primary_key or merge_key"); c != 1 {
		t.Errorf("%d warnings, want 1:\n%s", c, logs.String())
	}
	if !l.Changed() {
		t.Error("Changed() is false after writing rows")
	}
}

// TestSwitchToMerge: nested rows loaded while the resource appended have
// no `_dlt_root_id`; a later merge fills it in and replaces them too, at
// every depth, also when this run has no rows for the nested tables.
func TestSwitchToMerge(t *testing.T) {
	for _, strategy := range []string{"delete-insert", "upsert"} {
		t.Run(strategy, func(t *testing.T) {
			forEachDest(t, "switch", func(t *testing.T, path string) {
				runLoad(t, path, "", resource{&normalize.TableHints{Name: "users"}, [][]any{page(
					`{"id": 1, "name": "a", "orders": [{"n": 1, "items": [{"s": "i1"}, {"s": "i2"}]}]}`,
					`{"id": 2, "name": "b", "orders": [{"n": 2, "items": [{"s": "i3"}]}]}`,
				)}})
				h := &normalize.TableHints{Name: "users", WriteDisposition: "merge", MergeStrategy: strategy, PrimaryKey: []string{"id"}}
				runLoad(t, path, "", resource{h, [][]any{page(`{"id": 1, "name": "a2"}`)}})
				if got := rows(t, path, `SELECT count(*) FROM users__orders`); got[0][0] != "1" {
					t.Errorf("users__orders has %s rows, want b's 1", got[0][0])
				}
				got := rows(t, path, `SELECT u.name, i.s FROM users__orders__items i JOIN users u ON u._dlt_id = i._dlt_root_id ORDER BY i.s`)
				if want := [][]string{{"b", "i3"}}; !reflect.DeepEqual(got, want) {
					t.Errorf("items by root: %v, want %v", got, want)
				}
				// and the next merge keeps them in step
				runLoad(t, path, "", resource{h, [][]any{page(`{"id": 2, "name": "b2", "orders": [{"n": 3, "items": [{"s": "i4"}]}]}`)}})
				got = rows(t, path, `SELECT u.name, o.n, i.s FROM users u JOIN users__orders o ON o._dlt_parent_id = u._dlt_id
				JOIN users__orders__items i ON i._dlt_parent_id = o._dlt_id ORDER BY u.name`)
				if want := [][]string{{"b2", "3", "i4"}}; !reflect.DeepEqual(got, want) {
					t.Errorf("after the second merge: %v, want %v", got, want)
				}
				if n := one(t, path, `SELECT count(*) FROM users__orders__items`); n != "1" {
					t.Errorf("%s items, want 1", n)
				}
			})
		})
	}
}
