package config

import (
	"slices"
	"strings"
	"testing"
)

func TestNestedHints(t *testing.T) {
	head := "pipeline: {name: p}\nsource:\n  client: {base_url: \"https://x.test/\"}\n  resources:\n    - name: users\n"
	f, probs := parse(t, head+`      nested_hints:
        orders: {max_table_nesting: 0}
        orders__items:
          columns: {qty: {data_type: text}, sku: {nullable: false}}
`, nil, false)
	if len(probs) > 0 {
		t.Fatalf("problems: %v", probs)
	}
	r := f.Source.Resources[0]
	o, it := r.NestedHints["orders"], r.NestedHints["orders__items"]
	if o == nil || o.MaxTableNesting == nil || *o.MaxTableNesting != 0 || o.Path != "source.resources[0].nested_hints.orders" || o.Pos.Line != 7 {
		t.Fatalf("orders hint %+v", o)
	}
	if it == nil || it.Columns["qty"]["data_type"] != "text" || !slices.Equal(it.ColumnOrder, []string{"qty", "sku"}) {
		t.Fatalf("orders__items hint %+v", it)
	}
	if _, ok := r.Extra["nested_hints"]; ok {
		t.Error("nested_hints is still in Extra")
	}

	tests := []struct {
		name, yaml string
		path       string
		line       int
		msg        string
	}{
		{"a hint dlt has that sluice does not apply", "      nested_hints:\n        orders: {primary_key: id}\n",
			"source.resources[0].nested_hints.orders.primary_key", 7, "nested_hints: primary_key is not supported in this version yet"},
		{"an unknown hint", "      nested_hints:\n        orders: {max_table_nestin: 0}\n",
			"source.resources[0].nested_hints.orders.max_table_nestin", 7, `unknown field "max_table_nestin"`},
		{"a negative nesting", "      nested_hints:\n        orders: {max_table_nesting: -1}\n",
			"source.resources[0].nested_hints.orders.max_table_nesting", 7, "must be at least 0"},
		{"not an object", "      nested_hints: [orders]\n",
			"source.resources[0].nested_hints", 6, "expected an object keyed by nested table paths"},
		{"a hint that is not an object", "      nested_hints:\n        orders: 0\n",
			"source.resources[0].nested_hints.orders", 7, "expected an object of table hints"},
		{"a bad column type", "      nested_hints:\n        orders: {columns: {a: {data_type: integer}}}\n",
			"source.resources[0].nested_hints.orders.columns.a.data_type", 7, "expected one of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, probs := parse(t, head+tt.yaml, nil, false)
			for _, p := range probs {
				if p.Path == tt.path && p.Line == tt.line && strings.Contains(p.Msg, tt.msg) {
					return
				}
			}
			t.Errorf("want a problem at %s line %d with %q, got %v", tt.path, tt.line, tt.msg, probs)
		})
	}
}
