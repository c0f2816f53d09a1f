package samples_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// TestStepKeepsTypes: a map step that changes one field leaves the other
// columns as the same pipeline without the step loads them. 50.0 is a
// double in the API's JSON and must stay one (not become the integer 50
// and push 52.5 into a variant column amount__v_double).
func TestStepKeepsTypes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		var rows []string
		for i := 1; i <= 10; i++ {
			rows = append(rows, fmt.Sprintf(`{"id": %d, "email": "p%d@example.com", "amount": %.1f, "ratio": 1e2, "big": 12345678901234, "flag": %v, "note": null}`,
				i, i, float64(i)*2.5, i%2 == 0))
		}
		fmt.Fprint(w, "["+strings.Join(rows, ",")+"]")
	}))
	defer srv.Close()
	pipeline := func(steps string) string {
		return `pipeline: {name: types}
source:
  client: {base_url: ` + srv.URL + `/, paginator: single_page}
  resources:
    - name: payments
      endpoint: {path: payments}
` + steps
	}
	plainDir, stepDir := pipelineDir(t), pipelineDir(t)
	if code, stdout, stderr := sluice(t, plainDir, pipeline(""), "run"); code != 0 {
		t.Fatalf("without the step: exit %d\n%s%s", code, stdout, stderr)
	}
	withStep := pipeline("      processing_steps:\n        - map: {wasm: bin/wasm/pii-hash.wasm, config: {fields: [email]}}\n")
	if code, stdout, stderr := sluice(t, stepDir, withStep, "run"); code != 0 {
		t.Fatalf("with the step: exit %d\n%s%s", code, stdout, stderr)
	}
	plain, step := schemaOf(t, filepath.Join(plainDir, "out.db"), "payments"), schemaOf(t, filepath.Join(stepDir, "out.db"), "payments")
	if plain != step {
		t.Errorf("the step changed the table's columns:\nwithout %s\nwith    %s", plain, step)
	}
	plainRows, stepRows := dump(t, filepath.Join(plainDir, "out.db"), "SELECT id, amount, ratio, big, flag FROM payments ORDER BY id"),
		dump(t, filepath.Join(stepDir, "out.db"), "SELECT id, amount, ratio, big, flag FROM payments ORDER BY id")
	if plainRows != stepRows {
		t.Errorf("the step changed untouched values:\nwithout %s\nwith    %s", plainRows, stepRows)
	}
}

// schemaOf lists a table's columns with their declared types.
func schemaOf(t *testing.T, path, table string) string {
	t.Helper()
	return dump(t, path, `SELECT name, type FROM pragma_table_info('`+table+`') WHERE name NOT LIKE '_dlt_%' ORDER BY name`)
}

// dump renders a query's rows, each value with its SQLite type.
func dump(t *testing.T, path, query string) string {
	t.Helper()
	db := openDB(t, path)
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			fmt.Fprintf(&b, "%T:%v ", v, v)
		}
		b.WriteString("| ")
	}
	return b.String()
}
