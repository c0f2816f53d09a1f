package extract

import (
	"net/url"
	"reflect"
	"testing"

	"github.com/sluicehq/sluice/runtime/config"
)

// TestBuildWithVars renders an endpoint for one request chain: parent
// fields and incremental values in path, params, headers and json, the
// three incremental styles of dlt §6.1, and a batch of parents.
func TestBuildWithVars(t *testing.T) {
	client := &config.Client{BaseURL: "http://api.test/"}
	user := map[string]any{"id": int64(7), "login": "ada lovelace", "meta": map[string]any{"org": "acme/eng"}}
	inc := map[string]any{"start_value": "2024-01-01T00:00:00Z", "end_value": nil, "initial_value": "2024-01-01T00:00:00Z", "last_value": "2024-01-01T00:00:00Z"}
	tests := []struct {
		name      string
		ep        config.Endpoint
		vars      *Vars
		wantURL   string
		wantQuery url.Values
		wantHdr   map[string]string
		wantJSON  any
	}{
		{
			name:    "parent fields: path values escaped but slashes kept, nested field",
			ep:      config.Endpoint{Path: "orgs/{resources.users.meta.org}/u/{resources.users.login}"},
			vars:    &Vars{Parent: "users", Records: []any{user}},
			wantURL: "http://api.test/orgs/acme/eng/u/ada%20lovelace",
		},
		{
			name: "parent fields in params, headers and a typed json body",
			ep: config.Endpoint{Path: "search", Method: "POST",
				Params:  map[string]any{"user": "{resources.users.id}", "q": "login:{resources.users.login}"},
				Headers: map[string]string{"X-User": "{resources.users.id}"},
				JSON:    map[string]any{"user_id": "{resources.users.id}", "label": "u{resources.users.id}"}},
			vars:      &Vars{Parent: "users", Records: []any{user}},
			wantURL:   "http://api.test/search",
			wantQuery: url.Values{"user": {"7"}, "q": {"login:ada lovelace"}},
			wantHdr:   map[string]string{"X-User": "7"},
			wantJSON:  map[string]any{"user_id": int64(7), "label": "u7"},
		},
		{
			name:      "a batch joins text values and keeps a json list",
			ep:        config.Endpoint{Path: "posts", Params: map[string]any{"ids": "{resources.users.id}"}, JSON: map[string]any{"ids": "{resources.users.id}"}},
			vars:      &Vars{Parent: "users", Records: []any{map[string]any{"id": int64(1)}, map[string]any{"id": int64(2)}}, Separator: "|"},
			wantURL:   "http://api.test/posts",
			wantQuery: url.Values{"ids": {"1|2"}},
			wantJSON:  map[string]any{"ids": []any{int64(1), int64(2)}},
		},
		{
			name: "incremental placeholders; a param that is a null value is dropped",
			ep: config.Endpoint{Path: "events/{incremental.start_value}",
				Params:  map[string]any{"since": "{incremental.start_value}", "until": "{incremental.end_value}"},
				Headers: map[string]string{"X-Since": "{incremental.last_value}"},
				JSON:    map[string]any{"from": "{incremental.initial_value}", "to": "{incremental.end_value}"}},
			vars:      &Vars{Incremental: inc},
			wantURL:   "http://api.test/events/2024-01-01T00:00:00Z",
			wantQuery: url.Values{"since": {"2024-01-01T00:00:00Z"}},
			wantHdr:   map[string]string{"X-Since": "2024-01-01T00:00:00Z"},
			wantJSON:  map[string]any{"from": "2024-01-01T00:00:00Z", "to": nil},
		},
		{
			name:      "deprecated start_param and end_param",
			ep:        config.Endpoint{Path: "events", Incremental: &config.Incremental{CursorPath: "t", StartParam: "from", EndParam: "to"}},
			vars:      &Vars{Incremental: map[string]any{"start_value": int64(5), "end_value": int64(9)}},
			wantURL:   "http://api.test/events",
			wantQuery: url.Values{"from": {"5"}, "to": {"9"}},
		},
		{
			name: "deprecated {type: incremental} param",
			ep: config.Endpoint{Path: "events", Params: map[string]any{"since": map[string]any{"type": "incremental", "cursor_path": "t"}, "n": int64(1)},
				ParamIncremental: &config.Incremental{CursorPath: "t", Param: "since"}},
			vars:      &Vars{Incremental: map[string]any{"start_value": int64(42)}},
			wantURL:   "http://api.test/events",
			wantQuery: url.Values{"since": {"42"}, "n": {"1"}},
		},
		{
			name:    "legacy resolve param binds the path only",
			ep:      config.Endpoint{Path: "users/{uid}/posts", Params: map[string]any{"uid": map[string]any{"type": "resolve", "resource": "users", "field": "id"}}},
			vars:    &Vars{Parent: "users", Records: []any{user}},
			wantURL: "http://api.test/users/7/posts",
		},
		{
			name:    "a whole URL from the parent is used as it is",
			ep:      config.Endpoint{Path: "{resources.users.url}"},
			vars:    &Vars{Parent: "users", Records: []any{map[string]any{"url": "https://other.test/a b?x=1"}}},
			wantURL: "https://other.test/a b?x=1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, err := CompileRequest(client, &tt.ep)
			if err != nil {
				t.Fatal(err)
			}
			req, err := tmpl.Build(tt.vars)
			if err != nil {
				t.Fatal(err)
			}
			if req.URL != tt.wantURL {
				t.Errorf("URL = %s, want %s", req.URL, tt.wantURL)
			}
			if len(tt.wantQuery) > 0 || len(req.Query) > 0 {
				if !reflect.DeepEqual(req.Query, tt.wantQuery) {
					t.Errorf("query = %v, want %v", req.Query, tt.wantQuery)
				}
			}
			for k, v := range tt.wantHdr {
				if got := req.Header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if !reflect.DeepEqual(req.JSON, tt.wantJSON) {
				t.Errorf("json = %#v, want %#v", req.JSON, tt.wantJSON)
			}
		})
	}
}

func TestBuildErrors(t *testing.T) {
	client := &config.Client{BaseURL: "http://api.test/"}
	tmpl, err := CompileRequest(client, &config.Endpoint{Path: "u/{resources.users.id}"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmpl.Build(&Vars{Parent: "users", Records: []any{map[string]any{"name": "x"}}}); err == nil ||
		err.Error() != "a record of resource users has no field `id` (for {resources.users.id}); its fields are: [name]" {
		t.Errorf("missing field: %v", err)
	}
	if _, err := tmpl.Build(nil); err == nil {
		t.Error("a child request without a parent was built")
	}
}
