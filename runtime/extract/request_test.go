package extract

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"testing"

	"github.com/sluicehq/sluice/runtime/config"
	"github.com/sluicehq/sluice/runtime/httpclient"
)

func TestJoinURL(t *testing.T) {
	// The cases of dlt's join_url (reference §2.1).
	tests := []struct{ base, path, want string }{
		{"http://e.com", "//a/b", "http://e.com/a/b"},
		{"http://e.com///", "//a", "http://e.com/a"},
		{"http://e.com/", "/", "http://e.com/"},
		{"/", "a", "/a"},
		{"e.com", "p", "e.com/p"},
		{"http://e.com/api/", "p?q=1", "http://e.com/api/p?q=1"},
		{"http://e.com/api", "https://other.org/x", "https://other.org/x"},
		{"http://e.com", "ftp://x", "http://e.com/ftp://x"},
		{"", "p", "p"},
		{"http://e.com/v1", "", "http://e.com/v1"},
	}
	for _, tt := range tests {
		if got := JoinURL(tt.base, tt.path); got != tt.want {
			t.Errorf("JoinURL(%q, %q) = %q, want %q", tt.base, tt.path, got, tt.want)
		}
	}
}

func TestBuildRequest(t *testing.T) {
	client := &config.Client{BaseURL: "http://api.test/v1/", Headers: map[string]string{"X-A": "client", "X-B": "client"}}
	tests := []struct {
		name      string
		ep        config.Endpoint
		wantURL   string
		wantQuery url.Values
		wantJSON  any
		wantBody  string
		wantHdr   map[string]string
	}{
		{
			name:      "params: lists repeat, nulls drop, empty strings stay, braces unescape",
			ep:        config.Endpoint{Path: "/users", Params: map[string]any{"c": []any{int64(1), int64(2)}, "n": nil, "e": "", "b": true, "p": "{{x}}"}},
			wantURL:   "http://api.test/v1/users",
			wantQuery: url.Values{"c": {"1", "2"}, "e": {""}, "b": {"true"}, "p": {"{x}"}},
		},
		{
			name:     "endpoint headers win over client headers",
			ep:       config.Endpoint{Path: "u", Headers: map[string]string{"X-B": "endpoint"}},
			wantURL:  "http://api.test/v1/u",
			wantHdr:  map[string]string{"X-A": "client", "X-B": "endpoint"},
			wantJSON: nil,
		},
		{
			name:     "an empty JSON object is still a body",
			ep:       config.Endpoint{Path: "u", JSON: map[string]any{}},
			wantURL:  "http://api.test/v1/u",
			wantJSON: map[string]any{},
		},
		{
			name:     "form body",
			ep:       config.Endpoint{Path: "u", Method: "POST", Data: map[string]any{"a": int64(1), "b": "{{x}}"}},
			wantURL:  "http://api.test/v1/u",
			wantBody: "a=1&b=%7Bx%7D",
		},
		{
			name:     "raw body",
			ep:       config.Endpoint{Path: "u", Method: "POST", Data: "hello"},
			wantURL:  "http://api.test/v1/u",
			wantBody: "hello",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := BuildRequest(client, &tt.ep)
			if err != nil {
				t.Fatal(err)
			}
			if req.URL != tt.wantURL {
				t.Errorf("URL = %q, want %q", req.URL, tt.wantURL)
			}
			if tt.wantQuery != nil && !reflect.DeepEqual(req.Query, tt.wantQuery) {
				t.Errorf("Query = %v, want %v", req.Query, tt.wantQuery)
			}
			if !reflect.DeepEqual(req.JSON, tt.wantJSON) {
				t.Errorf("JSON = %#v, want %#v", req.JSON, tt.wantJSON)
			}
			if string(req.Body) != tt.wantBody {
				t.Errorf("Body = %q, want %q", req.Body, tt.wantBody)
			}
			for k, v := range tt.wantHdr {
				if got := req.Header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

func TestBuildRequestRejectsJSONAndData(t *testing.T) {
	_, err := BuildRequest(&config.Client{BaseURL: "http://x"}, &config.Endpoint{
		Path: "p", JSON: map[string]any{"a": 1}, Data: map[string]any{"b": 2},
	})
	if err == nil {
		t.Fatal("json and data together were accepted")
	}
}

func TestDetectSelector(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want string
	}{
		{"a list is the records", `[{"id": 1}]`, "$"},
		{"an object without lists is one record", `{"id": 1, "meta": {"x": 1}}`, "$"},
		{"known key wins over an earlier list", `{"a_links": [], "results": [], "count": 3}`, "results"},
		{"a known key wins wherever it is", `{"links": [], "meta": {"results": []}}`, "meta.results"},
		{"nested known key", `{"_embedded": {"items": []}, "page": {"n": 1}}`, "_embedded.items"},
		{"first list in document order, not sorted order", `{"zeta": [1], "alpha": [2]}`, "zeta"},
		{"nested first list", `{"page": {"n": 1, "users": [{"id": 1}]}, "extra": []}`, "page.users"},
		{"lists inside lists are not searched", `{"a": [{"data": []}]}`, "a"},
		{"too deep is not searched", `{"a": {"b": {"c": {"data": []}}}}`, "$"},
		{"not JSON", `<html>`, "$"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DetectSelector([]byte(tt.raw)); got != tt.want {
				t.Errorf("DetectSelector(%s) = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}

// TestStaticPathParams sends the built request to a real server and checks
// the path and query it receives (dlt reference §5.6).
func TestStaticPathParams(t *testing.T) {
	var got struct{ path, rawQuery string }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.path, got.rawQuery = r.URL.EscapedPath(), r.URL.RawQuery
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	tests := []struct {
		name      string
		path      string
		params    map[string]any
		wantPath  string
		wantQuery string
	}{
		{"an int param is bound and consumed", "posts/{id}", map[string]any{"id": int64(3)}, "/posts/3", ""},
		{"other params stay in the query", "{org}/{repo}/issues", map[string]any{"org": "dlt-hub", "repo": "dlt", "state": "open"}, "/dlt-hub/dlt/issues", "state=open"},
		{"values are path-escaped", "files/{name}", map[string]any{"name": "a b/c?d"}, "/files/a%20b%2Fc%3Fd", ""},
		{"escaped braces stay literal and bind nothing", "x/{{id}}", map[string]any{"id": int64(1)}, "/x/%7Bid%7D", "id=1"},
		{"a value that looks like a placeholder is not expanded", "u/{a}", map[string]any{"a": "{{b}}"}, "/u/%7B%7Bb%7D%7D", ""},
		{"a null param is not bound", "p/{id}", map[string]any{"id": nil}, "/p/%7Bid%7D", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := &config.Endpoint{Path: tt.path, Params: tt.params}
			req, err := BuildRequest(&config.Client{BaseURL: srv.URL}, ep)
			if err != nil {
				t.Fatal(err)
			}
			c := httpclient.New(httpclient.Options{})
			if _, err := c.Do(context.Background(), req, nil); err != nil {
				t.Fatal(err)
			}
			if got.path != tt.wantPath || got.rawQuery != tt.wantQuery {
				t.Errorf("server got %s?%s, want %s?%s", got.path, got.rawQuery, tt.wantPath, tt.wantQuery)
			}
		})
	}
}
