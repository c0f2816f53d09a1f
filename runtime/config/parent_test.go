package config

import "testing"

// TestParentOptions: parent_batch and incremental.per_parent need a
// dependent resource, and what they need of each other is a problem of
// the file, not a guess at run time.
func TestParentOptions(t *testing.T) {
	const head = `pipeline: {name: p}
source:
  client: {base_url: "https://x.test/"}
  resources:
    - users
`
	tests := []struct {
		name string
		res  string
		want []want
	}{
		{"batch on a top-level resource", `    - name: posts
      endpoint: {path: posts, parent_batch: {size: 5}}
`, []want{{Path: "source.resources[1].endpoint.parent_batch", Msg: "is not dependent on another resource"}}},
		{"per_parent on a top-level resource", `    - name: posts
      endpoint: {path: posts, incremental: {cursor_path: t, per_parent: true}}
`, []want{{Path: "source.resources[1].endpoint.incremental.per_parent", Msg: "is not dependent"}}},
		{"include_from_parent with a batch and no match", `    - name: posts
      endpoint: {path: posts, params: {ids: "{resources.users.id}"}, parent_batch: {size: 5}}
      include_from_parent: [name]
`, []want{{Path: "source.resources[1].endpoint.parent_batch", Msg: "without match"}}},
		{"per_parent with a batch", `    - name: posts
      endpoint:
        path: posts
        params: {ids: "{resources.users.id}"}
        parent_batch: {size: 5, match: user_id}
        incremental: {cursor_path: t, per_parent: true}
`, []want{{Path: "source.resources[1].endpoint.incremental.per_parent", Msg: "cannot carry each parent's own cursor"}}},
		{"a batch without size", `    - name: posts
      endpoint: {path: posts, params: {ids: "{resources.users.id}"}, parent_batch: {separator: "|"}}
`, []want{{Path: "source.resources[1].endpoint.parent_batch", Msg: `missing required field "size"`}}},
		{"data and an endpoint", `    - name: rows
      data: [{id: 1}]
      endpoint: rows
`, []want{{Path: "source.resources[1].data", Msg: "either data"}}},
		{"data that is not rows", `    - name: rows
      data: [1, 2]
`, []want{{Path: "source.resources[1].data[0]", Msg: "expected a row"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, probs := parse(t, head+tt.res, nil, false)
			checkProblems(t, probs, tt.want, true)
		})
	}
	// the valid forms
	f, probs := parse(t, head+`    - name: posts
      endpoint:
        path: posts
        params: {ids: "{resources.users.id}"}
        parent_batch: {size: 5, match: user_id}
      include_from_parent: [name]
    - name: tickets
      endpoint:
        path: "users/{resources.users.id}/tickets"
        incremental: {cursor_path: t, per_parent: true}
    - name: rows
      data: [{id: 1, n: 2}]
`, nil, false)
	if probs != nil {
		t.Fatal(probs)
	}
	if b := f.Source.Resources[1].Endpoint.ParentBatch; b == nil || b.Size != 5 || b.Separator != "," || b.Match != "user_id" {
		t.Errorf("parent_batch = %+v", b)
	}
	if !f.Source.Resources[2].Endpoint.Incremental.PerParent {
		t.Error("per_parent not read")
	}
	if r := f.Source.Resources[3]; !r.HasData || len(r.Data) != 1 || r.Data[0].(map[string]any)["n"] != int64(2) {
		t.Errorf("data = %#v", r.Data)
	}
}
