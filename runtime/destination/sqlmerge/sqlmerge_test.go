package sqlmerge

import (
	"context"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/runtime/destination"
)

// recorder is a Dialect whose Exec records the statements: the merges
// themselves run against real databases in the sqlite, duckdb and
// postgres packages' tests; this checks what each dialect switch writes.
func recorder(d Dialect, stmts *[]string) *Dialect {
	staged := map[string]bool{"users": true, "users__orders": true}
	altered := map[string]bool{}
	d.Exec = func(_ context.Context, q string) (int64, error) {
		*stmts = append(*stmts, q)
		return 1, nil
	}
	d.Main = func(t string) string { return `"main"."` + t + `"` }
	d.Staging = func(t string) string { return `"tmp"."` + t + `"` }
	d.Columns = func(_ context.Context, t string, staging bool) ([]string, error) {
		if staging {
			return []string{"id", "org", "_dlt_id"}, nil
		}
		if altered[t] {
			return []string{"id", "_dlt_id", "_dlt_parent_id", "_dlt_root_id"}, nil
		}
		return []string{"id", "_dlt_id", "_dlt_parent_id"}, nil // no _dlt_root_id yet
	}
	d.Altered = func(t string) { altered[t] = true }
	d.Staged = func(t string) bool { return staged[t] }
	d.Dropped = func(t string) { delete(staged, t) }
	return &d
}

func TestDialects(t *testing.T) {
	job := destination.MergeJob{Root: "users", Strategy: destination.Upsert, PrimaryKey: []string{"id", "org"},
		Nested: []string{"users__orders"}, Parents: map[string]string{"users__orders": "users"},
		HardDelete: []destination.HardDeleteColumn{{Column: "org", Bool: true}}}
	cases := []struct {
		name    string
		d       Dialect
		want    []string
		notWant []string
	}{
		{"duckdb", Dialect{Name: "duckdb", Row: func(c string) string { return "row(" + c + ")" }, RowSelect: func(c string) string { return "row(" + c + ")" },
			Order: "rowid", Text: "VARCHAR", IsTrue: " IS TRUE"},
			[]string{`row("id", "org") IN (SELECT row("id", "org") FROM "tmp"."users"`, `ADD COLUMN "_dlt_root_id" VARCHAR`,
				`= (SELECT p."_dlt_id" FROM "main"."users" AS p WHERE`, `"org" IS TRUE`, `NOT IN (SELECT row("id", "org") FROM "main"."users")`,
				`"_dlt_root_id" NOT IN (SELECT "_dlt_id" FROM "tmp"."users")`, `ORDER BY rowid`, `DROP TABLE "tmp"."users__orders"`},
			[]string{"NOT EXISTS"}},
		{"postgres", Dialect{Name: "postgres", Row: func(c string) string { return "(" + c + ")" }, RowSelect: func(c string) string { return c },
			Order: `"_seq"`, Text: "varchar", IsTrue: " IS TRUE", AntiJoin: true, UpdateFrom: true},
			[]string{`("id", "org") IN (SELECT "id", "org" FROM "tmp"."users"`, `UPDATE "main"."users__orders" AS c SET "_dlt_root_id" = p."_dlt_id" FROM`,
				`NOT EXISTS (SELECT 1 FROM "main"."users" AS d WHERE d."id" = "tmp"."users"."id" AND`, `AS c WHERE NOT EXISTS (SELECT 1 FROM "tmp"."users" AS r`,
				`ORDER BY "_seq"`},
			[]string{"NOT IN", "row("}},
		{"sqlite", Dialect{Name: "sqlite", Row: func(c string) string { return "(" + c + ")" }, RowSelect: func(c string) string { return c },
			Order: "rowid", Text: "TEXT", IsTrue: " = 1"},
			[]string{`"org" = 1`, `ADD COLUMN "_dlt_root_id" TEXT`, `("id", "org") NOT IN (SELECT "id", "org" FROM "main"."users")`},
			[]string{"IS TRUE", "NOT EXISTS"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stmts []string
			if err := Run(context.Background(), recorder(c.d, &stmts), job); err != nil {
				t.Fatal(err)
			}
			all := strings.Join(stmts, "\n")
			for _, w := range c.want {
				if !strings.Contains(all, w) {
					t.Errorf("no statement has %s:\n%s", w, all)
				}
			}
			for _, w := range c.notWant {
				if strings.Contains(all, w) {
					t.Errorf("a statement has %s:\n%s", w, all)
				}
			}
		})
	}
}

func TestRefused(t *testing.T) {
	var stmts []string
	d := recorder(Dialect{Name: "x"}, &stmts)
	for _, c := range []struct {
		job  destination.MergeJob
		want string
	}{
		{destination.MergeJob{Root: "users", Strategy: "scd2"}, `unknown merge strategy "scd2" (x does delete-insert and upsert)`},
		{destination.MergeJob{Root: "users", Strategy: destination.Upsert}, "the upsert strategy needs a primary_key"},
	} {
		if err := Run(context.Background(), d, c.job); err == nil || err.Error() != c.want {
			t.Errorf("%v: %v, want %s", c.job.Strategy, err, c.want)
		}
	}
	if len(stmts) != 0 {
		t.Errorf("a refused merge ran %q", stmts)
	}
	if err := Run(context.Background(), d, destination.MergeJob{Root: "nothing_staged"}); err != nil || len(stmts) != 0 {
		t.Errorf("a root without staged rows: %v, %q", err, stmts)
	}
}
