package sqlite

import (
	"reflect"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/schema"
)

// TestMergeJobs runs one MergeJob per case on the same destination rows
// (ids 1, 2, 3 with one nested row each) and staged rows, and reads the
// result back in table order.
func TestMergeJobs(t *testing.T) {
	type stagedRow struct {
		id   int64
		v    any
		del  any // the hard_delete column
		sort any // the dedup_sort column
		rid  string
		kid  string // a nested row's x, "" for none
	}
	staged := []stagedRow{
		{2, "two-a", nil, int64(2), "s1", "k-a"},
		{4, "four", nil, int64(1), "s2", "k-b"},
		{2, "two-b", nil, int64(1), "s3", "k-c"},
		{3, nil, true, int64(1), "s4", ""},
	}
	tests := []struct {
		name string
		job  destination.MergeJob
		want [][]string // id, v, nested x of the row
		err  string
	}{
		{
			name: "delete-insert, last staged wins, in staging order",
			job:  destination.MergeJob{PrimaryKey: []string{"id"}},
			want: [][]string{{"1", "one", "old1"}, {"4", "four", "k-b"}, {"2", "two-b", "k-c"}, {"3", "", ""}},
		},
		{
			name: "delete-insert with hard_delete and dedup_sort desc",
			job: destination.MergeJob{PrimaryKey: []string{"id"}, HardDelete: []destination.HardDeleteColumn{{Column: "del", Bool: true}},
				DedupSort: []destination.SortColumn{{Column: "srt", Desc: true}}},
			want: [][]string{{"1", "one", "old1"}, {"2", "two-a", "k-a"}, {"4", "four", "k-b"}},
		},
		{
			name: "delete-insert deduplicated inserts every staged row",
			job:  destination.MergeJob{Strategy: destination.DeleteInsert, PrimaryKey: []string{"id"}, Deduplicated: true},
			want: [][]string{{"1", "one", "old1"}, {"2", "two-a", "k-a"}, {"4", "four", "k-b"}, {"2", "two-b", "k-c"}, {"3", "", ""}},
		},
		{
			name: "upsert keeps the place of updated rows",
			job:  destination.MergeJob{Strategy: destination.Upsert, PrimaryKey: []string{"id"}},
			want: [][]string{{"1", "one", "old1"}, {"2", "two-b", "k-c"}, {"3", "", ""}, {"4", "four", "k-b"}},
		},
		{
			name: "upsert de-duplicates even when told the rows are",
			job:  destination.MergeJob{Strategy: destination.Upsert, PrimaryKey: []string{"id"}, Deduplicated: true},
			want: [][]string{{"1", "one", "old1"}, {"2", "two-b", "k-c"}, {"3", "", ""}, {"4", "four", "k-b"}},
		},
		{
			name: "upsert with hard_delete read as not null",
			job:  destination.MergeJob{Strategy: destination.Upsert, PrimaryKey: []string{"id"}, HardDelete: []destination.HardDeleteColumn{{Column: "del"}}},
			want: [][]string{{"1", "one", "old1"}, {"2", "two-b", "k-c"}, {"4", "four", "k-b"}},
		},
		{
			name: "upsert needs a primary key",
			job:  destination.MergeJob{Strategy: destination.Upsert, MergeKey: []string{"id"}},
			err:  "needs a primary_key",
		},
		{
			name: "an unknown strategy",
			job:  destination.MergeJob{Strategy: "scd2", PrimaryKey: []string{"id"}},
			err:  `unknown merge strategy "scd2"`,
		},
	}
	cols := []schema.Column{col("id", schema.Bigint, false), col("v", schema.Text, true), col("del", schema.Bool, true),
		col("srt", schema.Bigint, true), col("_dlt_id", schema.Text, false)}
	kidCols := []schema.Column{col("x", schema.Text, true), col("_dlt_root_id", schema.Text, false), col("_dlt_id", schema.Text, false)}
	names := func(cs []schema.Column) (n []string, ty []schema.DataType) {
		for _, c := range cs {
			n, ty = append(n, c.Name), append(ty, c.DataType)
		}
		return n, ty
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := open(t)
			tx := begin(t, db)
			defer tx.Rollback()
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			must(tx.Apply(ctx, []schema.Change{{Kind: schema.CreateTable, Table: "r", Columns: cols}, {Kind: schema.CreateTable, Table: "r__k", Columns: kidCols}}))
			rn, rt := names(cols)
			kn, kt := names(kidCols)
			must(tx.Insert(ctx, &schema.TableRows{Table: "r", Columns: rn, Types: rt, Rows: [][]any{
				{int64(1), "one", nil, nil, "d1"}, {int64(2), "two", nil, nil, "d2"}, {int64(3), "three", nil, nil, "d3"}}}))
			must(tx.Insert(ctx, &schema.TableRows{Table: "r__k", Columns: kn, Types: kt, Rows: [][]any{
				{"old1", "d1", "o1"}, {"old2", "d2", "o2"}, {"old3", "d3", "o3"}}}))
			var sr, sk [][]any
			for _, s := range staged {
				sr = append(sr, []any{s.id, s.v, s.del, s.sort, s.rid})
				if s.kid != "" {
					sk = append(sk, []any{s.kid, s.rid, "n" + s.rid})
				}
			}
			must(tx.Stage(ctx, &schema.TableRows{Table: "r", Columns: rn, Types: rt, Rows: sr}))
			must(tx.Stage(ctx, &schema.TableRows{Table: "r__k", Columns: kn, Types: kt, Rows: sk}))
			job := tt.job
			job.Root, job.Nested = "r", []string{"r__k"}
			err := tx.Merge(ctx, job)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Merge = %v, want an error containing %q", err, tt.err)
				}
				return
			}
			must(err)
			got := queryStrings(t, tx, `SELECT r.id, r.v, k.x FROM r LEFT JOIN r__k k ON k._dlt_root_id = r._dlt_id ORDER BY r.rowid, k.rowid`)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("\n got %v\nwant %v", got, tt.want)
			}
			orphans := queryStrings(t, tx, `SELECT x, _dlt_root_id, '' FROM r__k WHERE _dlt_root_id NOT IN (SELECT _dlt_id FROM r)`)
			if len(orphans) > 0 {
				t.Errorf("orphaned nested rows %v", orphans)
			}
		})
	}
}
