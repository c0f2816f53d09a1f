package cel

import (
	"context"
	"testing"

	"github.com/sluicehq/sluice/runtime/extension"
)

// The examples of docs/scripting-cel.md, run as a user would run them.
func TestDocExamples(t *testing.T) {
	page := users(40)
	steps := []struct {
		kind, src string
		config    map[string]any
	}{
		{"filter", `item.isActive && item.address.country == "GB"`, nil},
		{"map", `{"id": item.id, "name": item.name, "email_hash": sha256(config.salt + item.email)}`, map[string]any{"salt": "2024-q2"}},
		{"flat_map", `item.orders.map(o, {"user_id": item.id, "order_id": o.id, "total": o.total})`, nil},
		{"filter", `!item.email.endsWith("@test.example") && size(item.orders) > 0`, nil},
		{"filter", `item.orders.exists(o, o.total > config.min_total)`, map[string]any{"min_total": 100.0}},
		{"map", `{"id": item.id, "name": item.name.upperAscii(), "phone": item.?phone.orValue("unknown")}`, nil},
		{"flat_map", `item.orders.map(o, o.items.map(i, {"user": item.id, "order": o.id, "sku": i.sku})).flatten()`, nil},
		{"map", `{"total": item.orders.size() > 0 ? double(item.orders[0].items[0].qty) * double(item.orders[0].items[0].price) : 0.0}`, nil},
	}
	for _, s := range steps {
		out, err := newStep(t, s.kind, s.src, s.config, nil).Apply(context.Background(), page)
		if err != nil || len(out) == 0 {
			t.Errorf("%s %s: %d records, %v", s.kind, s.src, len(out), err)
		}
	}

	c, err := registries(t).Converts.New(context.Background(), Type, map[string]any{"source": `int(timestamp(value))`}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := c.Convert(context.Background(), "2024-01-01T00:00:00Z"); err != nil || v != int64(1704067200) {
		t.Errorf("convert = %v, %v", v, err)
	}

	srv := apiServer(t)
	for _, a := range []struct {
		src, path string
		want      extension.Verdict
	}{
		{`response.body.error.code == "NOT_FOUND" ? "ignore" : "fail"`, "/missing", extension.Ignore},
		{`response.headers[?"x-ratelimit-remaining"].orValue("") == "0" ? "retry" : "continue"`, "/busy", extension.Retry},
		{`response.headers[?"x-ratelimit-remaining"].orValue("") == "0" ? "retry" : "continue"`, "/ok", extension.Continue},
		{`{"status": 200, "body": {"items": []}}`, "/missing", extension.Continue},
		{`response.status == 404 ? {"status": 200, "body": {"items": []}} : dyn("continue")`, "/missing", extension.Continue},
	} {
		act, err := registries(t).Actions.New(context.Background(), Type, map[string]any{"source": a.src}, nil)
		if err != nil {
			t.Fatalf("%s: %v", a.src, err)
		}
		resp := get(t, srv, a.path)
		if v, err := act.Act(context.Background(), resp); err != nil || v != a.want {
			t.Errorf("%s on %s = %v, %v", a.src, a.path, v, err)
		}
	}
}
