package browse

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/runtime/destination/sqlite"
)

func TestBrowseShop(t *testing.T) {
	ctx := context.Background()
	s := loadShop(t)
	b := openShop(t, s.path)
	db, err := sqlite.OpenReadOnly(s.path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func(q string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := db.SQL().QueryRow(q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}

	t.Run("tables", func(t *testing.T) {
		ts, err := b.Tables(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, tb := range ts {
			got = append(got, strings.Repeat("  ", tb.Depth)+tb.Name)
			if tb.Rows != count(`SELECT count(*) FROM "`+tb.Name+`"`) {
				t.Errorf("%s: %d rows, the table has %d", tb.Name, tb.Rows, count(`SELECT count(*) FROM "`+tb.Name+`"`))
			}
		}
		// roots keep the schema's order, which concurrent resources make
		// vary; a root's subtree follows it
		i := slices.Index(got, "users")
		if i < 0 || len(got) < i+4 || !slices.Equal(got[i:i+4], []string{"users", "  users__tags", "  users__orders", "    users__orders__items"}) {
			t.Errorf("users subtree:\n%s", strings.Join(got, "\n"))
		}
		want := []string{"    users__orders__items", "  users__orders", "  users__tags", "posts", "tickets", "users"}
		if !slices.Equal(slices.Sorted(slices.Values(got)), want) {
			t.Errorf("tree:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		byName := map[string]*Table{}
		for _, tb := range ts {
			byName[tb.Name] = tb
		}
		users := byName["users"]
		if !slices.Equal(users.PrimaryKey, []string{"id"}) || users.WriteDisposition != "append" || users.Rows != 60 {
			t.Errorf("users: pk %v, disposition %s, %d rows", users.PrimaryKey, users.WriteDisposition, users.Rows)
		}
		if c := users.Column("_dlt_id"); c == nil || c.Nullable || !c.System || c.DataType != "text" {
			t.Errorf("users._dlt_id: %+v", c)
		}
		if c := users.Column("id"); c == nil || !c.PrimaryKey || c.DataType != "bigint" {
			t.Errorf("users.id: %+v", c)
		}
		if byName["tickets"].WriteDisposition != "merge" || byName["users__orders__items"].Resource != "users" || byName["users__orders__items"].Parent != "users__orders" {
			t.Errorf("tickets disposition %q, items resource %q", byName["tickets"].WriteDisposition, byName["users__orders__items"].Resource)
		}
	})

	t.Run("loads", func(t *testing.T) {
		loads, err := b.Loads(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(loads) != 2 || loads[0].ID <= loads[1].ID {
			t.Fatalf("want 2 loads newest first, got %+v", loads)
		}
		for _, l := range loads {
			rows := map[string]int64{}
			for _, c := range l.Rows {
				rows[c.Table] = c.Rows
			}
			if rows["users"] != 30 {
				t.Errorf("load %s: %d users, want 30", l.ID, rows["users"])
			}
			items := count(`SELECT count(*) FROM users__orders__items i JOIN users__orders o ON o._dlt_id = i._dlt_parent_id
				JOIN users u ON u._dlt_id = o._dlt_parent_id WHERE u._dlt_load_id = ?`, l.ID)
			if items == 0 || rows["users__orders__items"] != items {
				t.Errorf("load %s: %d items, the database has %d", l.ID, rows["users__orders__items"], items)
			}
			if l.Status != 0 || l.StatusText() != "loaded" || l.Duration <= 0 || l.InsertedAt.IsZero() {
				t.Errorf("load %s: status %d, duration %v, inserted %v", l.ID, l.Status, l.Duration, l.InsertedAt)
			}
		}
		newest := map[string]int64{}
		for _, c := range loads[0].Rows {
			newest[c.Table] = c.Rows
		}
		if newest["posts"] != 9 || newest["tickets"] != 8 {
			t.Errorf("second load: %d posts (want 9), %d tickets (want 8: 5 new, 3 updated)", newest["posts"], newest["tickets"])
		}
	})

	t.Run("paging visits every row once", func(t *testing.T) {
		for _, q := range []Query{
			{Table: "users", Limit: 7},
			{Table: "users", Limit: 7, Sort: "name", Desc: true},
			{Table: "users", Limit: 9, Sort: "email"},
			{Table: "users", Limit: 11, Sort: "last_login_at"}, // NULLs among the values
			{Table: "users__orders", Limit: 13, Sort: "total", Filters: []Filter{{Column: "total", Op: ">", Value: "10"}}},
		} {
			var ids []string
			var sortVals []string
			pages := 0
			for {
				p, err := b.Rows(ctx, q)
				if err != nil {
					t.Fatalf("%+v: %v", q, err)
				}
				pages++
				for _, r := range p.Rows {
					ids = append(ids, r.ID)
					if q.Sort != "" {
						i := slices.IndexFunc(p.Columns, func(c Column) bool { return c.Name == q.Sort })
						sortVals = append(sortVals, r.Cells[i].Text)
					}
				}
				if p.Next == "" {
					break
				}
				q.After = p.Next
			}
			where := ""
			if len(q.Filters) > 0 {
				where = " WHERE total > 10"
			}
			want := count(`SELECT count(*) FROM "` + q.Table + `"` + where)
			uniq := slices.Compact(slices.Sorted(slices.Values(ids)))
			if int64(len(ids)) != want || len(uniq) != len(ids) || pages < 2 {
				t.Errorf("%s sorted by %q: %d rows (%d distinct) in %d pages, the table has %d", q.Table, q.Sort, len(ids), len(uniq), pages, want)
			}
			if q.Sort == "name" && !sort.SliceIsSorted(sortVals, func(i, j int) bool { return sortVals[i] > sortVals[j] }) {
				t.Errorf("users by name desc are not in order: %v", sortVals)
			}
			if q.Sort == "last_login_at" {
				firstNull := slices.Index(sortVals, "NULL")
				if firstNull < 0 || slices.ContainsFunc(sortVals[firstNull:], func(s string) bool { return s != "NULL" }) {
					t.Errorf("NULLs are not last: %v", sortVals)
				}
			}
		}
	})

	t.Run("child rows of a parent row", func(t *testing.T) {
		p, err := b.Rows(ctx, Query{Table: "users", Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Rows {
			kids, err := b.Rows(ctx, Query{Table: "users__orders", Filters: []Filter{{Column: "_dlt_parent_id", Op: "=", Value: r.ID}}, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			if want := count(`SELECT count(*) FROM users__orders WHERE _dlt_parent_id = ?`, r.ID); int64(len(kids.Rows)) != want {
				t.Errorf("user row %s: %d orders, want %d", r.ID, len(kids.Rows), want)
			}
		}
	})

	t.Run("filters", func(t *testing.T) {
		tests := []struct {
			name    string
			f       Filter
			want    int64 // rows; -1: an error
			wantErr any
		}{
			{"injection as a value finds nothing", Filter{"name", "=", "' OR 1=1 --"}, 0, nil},
			{"injection in contains finds nothing", Filter{"name", "contains", "' OR 1=1 --"}, 0, nil},
			{"equal on a bigint", Filter{"id", "=", "7"}, 2, nil},
			{"not equal", Filter{"id", "!=", "7"}, 58, nil},
			{"at least", Filter{"id", ">=", "29"}, 4, nil},
			{"contains with a wildcard is literal", Filter{"email", "contains", "%"}, 0, nil},
			{"is not null", Filter{"email", "is not null", ""}, 60, nil},
			{"unknown column", Filter{"name; DROP TABLE users", "=", "x"}, -1, new(*UnknownError)},
			{"unknown operator", Filter{"id", "LIKE", "x"}, -1, new(*UnknownError)},
			{"a word for a bigint", Filter{"id", "=", "' OR 1=1 --"}, -1, new(*BadValueError)},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p, err := b.Rows(ctx, Query{Table: "users", Filters: []Filter{tt.f}, Limit: 1000})
				if tt.want < 0 {
					if err == nil {
						t.Fatalf("no error")
					}
					switch target := tt.wantErr.(type) {
					case **UnknownError:
						if !errors.As(err, target) {
							t.Fatalf("error %T %v", err, err)
						}
					case **BadValueError:
						if !errors.As(err, target) {
							t.Fatalf("error %T %v", err, err)
						}
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if int64(len(p.Rows)) != tt.want {
					t.Errorf("%d rows, want %d", len(p.Rows), tt.want)
				}
			})
		}
		if count(`SELECT count(*) FROM users`) != 60 {
			t.Error("users changed")
		}
	})

	t.Run("unknown names", func(t *testing.T) {
		var ue *UnknownError
		if _, err := b.Rows(ctx, Query{Table: "users", Sort: "nope"}); !errors.As(err, &ue) || ue.Field != "sort" || !strings.Contains(err.Error(), `no column named "nope"`) {
			t.Errorf("sort by an unknown column: %v", err)
		}
		if _, err := b.Rows(ctx, Query{Table: "_dlt_loads"}); !errors.As(err, &ue) || ue.What != "table" {
			t.Errorf("a system table as data: %v", err)
		}
		var be *BadValueError
		if _, err := b.Rows(ctx, Query{Table: "users", After: "bm90IGEgY3Vyc29y"}); !errors.As(err, &be) {
			t.Errorf("a forged cursor: %v", err)
		}
	})

	t.Run("state", func(t *testing.T) {
		st, err := b.State(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(st) != 1 || st[0].Pipeline != "shop" {
			t.Fatalf("state: %+v", st)
		}
		var found *Cursor
		for _, r := range st[0].Resources {
			if r.Resource == "tickets" && len(r.Cursors) == 1 {
				found = &r.Cursors[0]
			}
		}
		if found == nil {
			t.Fatalf("no tickets cursor in %+v", st[0].Resources)
		}
		var max string
		if err := db.SQL().QueryRow(`SELECT max(updated_at) FROM tickets`).Scan(&max); err != nil {
			t.Fatal(err)
		}
		// the state keeps the API's ISO form, the table SQLite's
		if found.Path != "updated_at" || found.InitialValue != "2000-01-01T00:00:00Z" ||
			strings.NewReplacer("T", " ", "Z", "").Replace(found.LastValue) != strings.TrimRight(strings.TrimSuffix(max, ".000000"), "0") {
			t.Errorf("cursor %+v, max(updated_at) %s", found, max)
		}
	})

	t.Run("versions", func(t *testing.T) {
		vs, err := b.Versions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != 2 || vs[0].Version <= vs[1].Version {
			t.Fatalf("versions: %+v", vs)
		}
		if !slices.Equal(vs[0].AddedTables, []string{"posts"}) {
			t.Errorf("newest version added %v, want [posts]", vs[0].AddedTables)
		}
		if !slices.Contains(vs[1].AddedTables, "users__orders__items") || len(vs[1].AddedColumns) != 0 {
			t.Errorf("first version: tables %v, columns %v", vs[1].AddedTables, vs[1].AddedColumns)
		}
	})

	t.Run("read-only", func(t *testing.T) {
		if _, err := db.SQL().Exec(`DELETE FROM users`); err == nil {
			t.Fatal("a read-only database accepted a DELETE")
		}
		if _, err := db.Begin(ctx); err == nil {
			t.Error("Begin on a read-only database")
		}
		if _, err := sqlite.OpenReadOnly(s.path + ".missing"); err == nil {
			t.Error("a missing file opened read-only")
		}
	})
}
