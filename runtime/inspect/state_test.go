package inspect

import (
	"fmt"
	"testing"

	"github.com/sluicehq/sluice/runtime/state"
)

func TestResources(t *testing.T) {
	st, err := state.Parse([]byte(`{"sources":{"rest_api":{"resources":{
		"issues":{"incremental":{"updated_at":{"initial_value":"2024-01-01","last_value":"2024-03-01","unique_hashes":["a","b"],"start_value":"2024-02-01"}}},
		"comments":{"incremental_by_parent":{"2":{"id":{"initial_value":0,"last_value":9}},"1":{"id":{"initial_value":0,"last_value":5}}},"kv":{"etag":"x"}},
		"plain":{}
	}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	got := Resources(st, "rest_api")
	want := []string{
		"comments 1 id 0→5 0 kv=map[etag:x]",
		"comments 2 id 0→9 0 kv=map[etag:x]",
		"issues  updated_at 2024-01-01→2024-03-01 2 kv=map[]",
	}
	var lines []string
	for _, r := range got {
		for _, c := range r.Cursors {
			lines = append(lines, fmt.Sprintf("%s %s %s %v→%v %d kv=%v", r.Resource, c.ParentKey, c.CursorPath, c.InitialValue, c.LastValue, c.UniqueHashes, r.KV))
		}
	}
	if fmt.Sprint(lines) != fmt.Sprint(want) {
		t.Errorf("got\n%v\nwant\n%v", lines, want)
	}
	if len(got) != 3 || got[2].Resource != "plain" || len(got[2].Cursors) != 0 {
		t.Errorf("resources: %+v", got)
	}
	if Resources(nil, "rest_api") != nil {
		t.Error("a nil state has resources")
	}
}

// FuzzResources reads any state document a destination may hold: it must
// never panic, whatever the shapes under sources.
func FuzzResources(f *testing.F) {
	f.Add(`{"sources":{"rest_api":{"resources":{"a":{"incremental":{"id":{"last_value":1,"unique_hashes":["x"]}}}}}}}`)
	f.Add(`{"sources":{"rest_api":{"resources":{"a":{"incremental_by_parent":{"k":{"id":5}}},"b":[]}}}}`)
	f.Add(`{"sources":{"rest_api":[]}}`)
	f.Fuzz(func(t *testing.T, doc string) {
		st, err := state.Parse([]byte(doc))
		if err != nil {
			return
		}
		_ = Resources(st, "rest_api")
	})
}
