package extract

import (
	"context"
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/runtime/extension"
)

// PreviewRequest builds the first request of r as a dry run shows it,
// incremental values included. A dependent resource has no parent record
// before a run, so its parent fields hold stand-ins (letters and digits,
// which survive URL escaping): show turns any text of the request (its
// URL, a header, the body, once rendered) back into the placeholders the
// file wrote ({resources.issues.number}).
func (r *Resource) PreviewRequest() (req *extension.Request, show func(string) string, err error) {
	show = func(s string) string { return s }
	if r.tmpl == nil {
		return nil, show, fmt.Errorf("resource %s has no endpoint", r.Config.Name)
	}
	v := &Vars{}
	if r.Cursors != nil {
		c, err := r.Cursors("")
		if err != nil {
			return nil, show, err
		}
		if v.Incremental, err = r.converted(context.Background(), c.Values()); err != nil {
			return nil, show, err
		}
	}
	fields := r.tmpl.parentFields
	if len(fields) == 0 {
		req, err = r.tmpl.Build(v)
		return req, show, err
	}
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
	req, err = r.tmpl.Build(v)
	return req, strings.NewReplacer(back...).Replace, err
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
