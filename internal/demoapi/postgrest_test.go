package demoapi

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// pgDo sends a request to the PostgREST mimic and decodes the JSON answer.
func pgDo(t *testing.T, srv *httptest.Server, method, path, body string, headers map[string]string) (*http.Response, any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s %s: body is not JSON: %v\n%s", method, path, err, raw)
	}
	return resp, v
}

func TestPostgRESTDemoJWTIsSigned(t *testing.T) {
	if got := PostgRESTToken(PostgRESTRole, time.Time{}); got != PostgRESTDemoJWT {
		t.Fatalf("PostgRESTDemoJWT is stale: PostgRESTToken gives %s", got)
	}
}

func TestPostgREST(t *testing.T) {
	srv := httptest.NewServer(New(Options{Seed: 1, Token: "not-for-postgrest"}))
	defer srv.Close()
	auth := map[string]string{"Authorization": "Bearer " + PostgRESTDemoJWT}
	with := func(kv ...string) map[string]string {
		m := map[string]string{"Authorization": "Bearer " + PostgRESTDemoJWT}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name, method, path, body string
		headers                  map[string]string
		status                   int
		contentRange             string
		rows                     int    // -1: not an array
		code                     string // PostgREST error code
		check                    func(t *testing.T, v any)
	}{
		{name: "openapi root is public", method: "GET", path: "/postgrest/", status: 200, rows: -1, check: func(t *testing.T, v any) {
			m := v.(map[string]any)
			if m["swagger"] != "2.0" || m["paths"].(map[string]any)["/people"] == nil || m["paths"].(map[string]any)["/rpc/people_born_between"] == nil {
				t.Errorf("root is not the OpenAPI description of people and the functions: %v", m["paths"])
			}
		}},
		{name: "anon is denied", method: "GET", path: "/postgrest/people", status: 401, rows: -1, code: "42501"},
		{name: "bad signature", method: "GET", path: "/postgrest/people", headers: map[string]string{"Authorization": "Bearer " + PostgRESTDemoJWT[:len(PostgRESTDemoJWT)-2] + "xx"}, status: 401, rows: -1, code: "PGRST301"},
		{name: "alg none", method: "GET", path: "/postgrest/people", headers: map[string]string{"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJyb2xlIjoid2ViX3VzZXIifQ."}, status: 401, rows: -1, code: "PGRST301"},
		{name: "not a JWT", method: "GET", path: "/postgrest/people", headers: map[string]string{"Authorization": "Bearer demo-token"}, status: 401, rows: -1, code: "PGRST301"},
		{name: "expired", method: "GET", path: "/postgrest/people", headers: map[string]string{"Authorization": "Bearer " + PostgRESTToken(PostgRESTRole, time.Now().Add(-time.Minute))}, status: 401, rows: -1, code: "PGRST303"},
		{name: "unknown role", method: "GET", path: "/postgrest/people", headers: map[string]string{"Authorization": "Bearer " + PostgRESTToken("admin", time.Time{})}, status: 401, rows: -1, code: "22023"},
		{name: "all people", method: "GET", path: "/postgrest/people", headers: auth, status: 200, contentRange: "0-119/*", rows: 120},
		{name: "limit offset exact count", method: "GET", path: "/postgrest/people?limit=25&offset=25", headers: with("Prefer", "count=exact"), status: 206, contentRange: "25-49/120", rows: 25},
		{name: "range header", method: "GET", path: "/postgrest/people", headers: with("Range", "0-24", "Range-Unit", "items", "Prefer", "count=exact"), status: 206, contentRange: "0-24/120", rows: 25},
		{name: "unreadable Range is ignored", method: "GET", path: "/postgrest/people", headers: with("Range", "bytes=0-5", "Prefer", "count=exact"), status: 200, contentRange: "0-119/120", rows: 120},
		{name: "Range and limit together", method: "GET", path: "/postgrest/people?limit=5", headers: with("Range", "10-", "Prefer", "count=exact"), status: 206, contentRange: "10-14/120", rows: 5},
		{name: "last page", method: "GET", path: "/postgrest/people?limit=25&offset=100", headers: with("Prefer", "count=exact"), status: 206, contentRange: "100-119/120", rows: 20},
		{name: "whole result with count is 200", method: "GET", path: "/postgrest/people?limit=500", headers: with("Prefer", "count=exact"), status: 200, contentRange: "0-119/120", rows: 120},
		{name: "offset at the end", method: "GET", path: "/postgrest/people?offset=120", headers: with("Prefer", "count=exact"), status: 206, contentRange: "*/120", rows: 0},
		{name: "offset past the end", method: "GET", path: "/postgrest/people?offset=200", headers: with("Prefer", "count=exact"), status: 416, rows: -1, code: "PGRST103"},
		{name: "gte filter on a timestamp", method: "GET", path: "/postgrest/people?updated_at=gte.2024-12-01T00:00:00Z&order=updated_at.asc", headers: auth, status: 200, rows: 6, check: func(t *testing.T, v any) {
			rows := v.([]any)
			if rows[0].(map[string]any)["updated_at"] != "2024-12-01T10:00:00+00:00" {
				t.Errorf("first row %v", rows[0])
			}
		}},
		{name: "+00:00 offset", method: "GET", path: "/postgrest/people?updated_at=gte.2024-12-01T00:00:00%2B00:00", headers: auth, status: 200, rows: 6},
		{name: "select columns", method: "GET", path: "/postgrest/people?select=id,full_name:name&id=lt.3", headers: auth, status: 200, rows: 2, check: func(t *testing.T, v any) {
			if r := v.([]any)[0].(map[string]any); len(r) != 2 || r["full_name"] == nil {
				t.Errorf("row %v, want id and full_name", r)
			}
		}},
		{name: "films embed actors", method: "GET", path: "/postgrest/films?select=*,actors(*)", headers: auth, status: 200, rows: 12, check: func(t *testing.T, v any) {
			for _, f := range v.([]any) {
				as, _ := f.(map[string]any)["actors"].([]any)
				if len(as) == 0 || as[0].(map[string]any)["name"] == nil {
					t.Fatalf("film without embedded actors: %v", f)
				}
			}
		}},
		{name: "unknown relation", method: "GET", path: "/postgrest/films?select=*,planets(*)", headers: auth, status: 400, rows: -1, code: "PGRST200"},
		{name: "bad select", method: "GET", path: "/postgrest/films?select=*,actors(", headers: auth, status: 400, rows: -1, code: "PGRST100"},
		{name: "unknown column", method: "GET", path: "/postgrest/people?shoe_size=eq.3", headers: auth, status: 400, rows: -1, code: "42703"},
		{name: "bad operator", method: "GET", path: "/postgrest/people?id=about.3", headers: auth, status: 400, rows: -1, code: "PGRST100"},
		{name: "bad integer", method: "GET", path: "/postgrest/people?id=eq.x", headers: auth, status: 400, rows: -1, code: "22P02"},
		{name: "in and not", method: "GET", path: "/postgrest/people?id=in.(1,2,3)&name=not.is.null", headers: auth, status: 200, rows: 3},
		{name: "unknown table", method: "GET", path: "/postgrest/planets", headers: auth, status: 404, rows: -1, code: "PGRST205"},
		{name: "rpc with args", method: "POST", path: "/postgrest/rpc/people_born_between", body: `{"from_year": 1950, "to_year": 1960}`, headers: auth, status: 200, check: func(t *testing.T, v any) {
			for _, p := range v.([]any) {
				if y := p.(map[string]any)["birth_year"].(float64); y < 1950 || y > 1960 {
					t.Errorf("born %v", y)
				}
			}
		}, rows: -2},
		{name: "rpc via GET", method: "GET", path: "/postgrest/rpc/people_born_between?from_year=1900&to_year=2100", headers: auth, status: 200, rows: 120},
		{name: "rpc without args", method: "POST", path: "/postgrest/rpc/film_cast_size", headers: auth, status: 200, rows: 12},
		{name: "rpc missing arg", method: "POST", path: "/postgrest/rpc/people_born_between", body: `{"from_year": 1950}`, headers: auth, status: 404, rows: -1, code: "PGRST202"},
		{name: "rpc anon", method: "POST", path: "/postgrest/rpc/film_cast_size", status: 401, rows: -1, code: "42501"},
		{name: "rpc bad json", method: "POST", path: "/postgrest/rpc/film_cast_size", body: `{`, headers: auth, status: 400, rows: -1, code: "PGRST102"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, v := pgDo(t, srv, tc.method, tc.path, tc.body, tc.headers)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %v", resp.StatusCode, tc.status, v)
			}
			if tc.contentRange != "" && resp.Header.Get("Content-Range") != tc.contentRange {
				t.Errorf("Content-Range %q, want %q", resp.Header.Get("Content-Range"), tc.contentRange)
			}
			if tc.contentRange != "" && strings.HasSuffix(tc.contentRange, "/120") != (resp.Header.Get("Preference-Applied") == "count=exact") {
				t.Errorf("Preference-Applied %q with Content-Range %q", resp.Header.Get("Preference-Applied"), tc.contentRange)
			}
			if tc.rows >= 0 {
				rows, ok := v.([]any)
				if !ok || len(rows) != tc.rows {
					t.Errorf("%d rows (%T), want %d", len(rows), v, tc.rows)
				}
			}
			if tc.code != "" {
				m, _ := v.(map[string]any)
				if m["code"] != tc.code || m["message"] == "" {
					t.Errorf("error body %v, want code %s", v, tc.code)
				}
				if _, ok := m["hint"]; !ok {
					t.Errorf("error body %v has no hint key (PostgREST always sends code, details, hint, message)", v)
				}
				if resp.Header.Get("Proxy-Status") != "PostgREST; error="+tc.code {
					t.Errorf("Proxy-Status %q", resp.Header.Get("Proxy-Status"))
				}
				if resp.StatusCode == 401 && resp.Header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
			}
			if tc.check != nil {
				tc.check(t, v)
			}
		})
	}
}

// TestPostgRESTAddPeople: added people come after every other updated_at,
// so a gte filter on the previous maximum finds them (and the boundary row).
func TestPostgRESTAddPeople(t *testing.T) {
	api := New(Options{Seed: 1})
	srv := httptest.NewServer(api)
	defer srv.Close()
	auth := map[string]string{"Authorization": "Bearer " + PostgRESTDemoJWT}
	_, v := pgDo(t, srv, "GET", "/postgrest/people?order=updated_at.desc&limit=1", "", auth)
	last := v.([]any)[0].(map[string]any)["updated_at"].(string)
	resp, v := pgDo(t, srv, "POST", "/postgrest/rpc/add_people", `{"n": 5}`, auth)
	if resp.StatusCode != 200 || len(v.([]any)) != 5 {
		t.Fatalf("add_people: %d %v", resp.StatusCode, v)
	}
	_, v = pgDo(t, srv, "GET", "/postgrest/people?updated_at=gte."+url.QueryEscape(last), "", auth)
	if n := len(v.([]any)); n != 7 {
		t.Errorf("%d people updated at or after %s, want 7 (people 119 and 120 share the maximum, and the 5 added)", n, last)
	}
	if ids := api.AddPeople(2); len(ids) != 2 || ids[0] != 126 {
		t.Errorf("AddPeople gave %v, want [126 127]", ids)
	}
	api.Reset()
	_, v = pgDo(t, srv, "GET", "/postgrest/people?select=id", "", auth)
	if n := len(v.([]any)); n != PostgRESTPeople {
		t.Errorf("after Reset %d people, want %d", n, PostgRESTPeople)
	}
	if ids := api.AddPeople(1); ids[0] != PostgRESTPeople+1 {
		t.Errorf("after Reset AddPeople gave %v", ids)
	}
}
