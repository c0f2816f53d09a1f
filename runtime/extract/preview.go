package extract

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/runtime/extension"
)

// PreviewRequest builds the first request of r as a dry run shows it,
// incremental values included. A dependent resource has no parent record
// before a run, so its parent fields stay as the placeholders the file
// wrote ({resources.issues.number}) in the URL, headers and body.
func (r *Resource) PreviewRequest() (*extension.Request, error) {
	if r.tmpl == nil {
		return nil, fmt.Errorf("resource %s has no endpoint", r.Config.Name)
	}
	v := &Vars{}
	if r.Cursors != nil {
		c, err := r.Cursors("")
		if err != nil {
			return nil, err
		}
		if v.Incremental, err = r.converted(context.Background(), c.Values()); err != nil {
			return nil, err
		}
	}
	fields := r.tmpl.parentFields
	if len(fields) == 0 {
		return r.tmpl.Build(v)
	}
	// Stand-ins made of letters and digits survive URL escaping; each is
	// put back as its placeholder once the request is built.
	rec := map[string]any{}
	back := make([]string, 0, 2*len(fields))
	for i, name := range fields {
		rest := strings.TrimPrefix(name, "resources.")
		parent, field, _ := strings.Cut(rest, ".")
		if v.Parent == "" {
			v.Parent = parent
		}
		token := fmt.Sprintf("SLUICEPARENTFIELD%dX", i)
		setPath(rec, strings.Split(field, "."), token)
		back = append(back, token, "{"+name+"}")
	}
	v.Records = []any{rec}
	req, err := r.tmpl.Build(v)
	if err != nil {
		return nil, err
	}
	put := strings.NewReplacer(back...)
	req.URL = put.Replace(req.URL)
	for _, vals := range req.Query {
		for i := range vals {
			vals[i] = put.Replace(vals[i])
		}
	}
	for _, vals := range req.Header {
		for i := range vals {
			vals[i] = put.Replace(vals[i])
		}
	}
	if req.Body != nil {
		req.Body = []byte(put.Replace(string(req.Body)))
	}
	if req.JSON != nil {
		b, err := json.Marshal(req.JSON)
		if err == nil {
			var tree any
			if json.Unmarshal([]byte(put.Replace(string(b))), &tree) == nil {
				req.JSON = tree
			}
		}
	}
	return req, nil
}

// setPath sets rec.a.b… = v, creating the objects on the way.
func setPath(rec map[string]any, path []string, v any) {
	for i, k := range path {
		if i == len(path)-1 {
			rec[k] = v
			return
		}
		next, ok := rec[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			rec[k] = next
		}
		rec = next
	}
}
