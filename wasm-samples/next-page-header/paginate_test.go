package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestNext(t *testing.T) {
	c := Config{Header: "X-Next-Page", Param: "page"}
	tests := []struct {
		name    string
		headers map[string]string
		query   map[string][]string
		want    map[string]string
	}{
		{"lowercase header names", map[string]string{"x-next-page": "2"}, nil, map[string]string{"page": "2"}},
		{"as written", map[string]string{"X-Next-Page": "3"}, map[string][]string{"page": {"2"}}, map[string]string{"page": "3"}},
		{"opaque values", map[string]string{"x-next-page": " abc== "}, nil, map[string]string{"page": "abc=="}},
		{"absent", map[string]string{"content-type": "application/json"}, nil, nil},
		{"empty", map[string]string{"x-next-page": ""}, nil, nil},
		{"the same page again", map[string]string{"x-next-page": "4"}, map[string][]string{"page": {"4"}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := c.Next(tc.headers, tc.query)
			if ok != (tc.want != nil) || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Next = %v, %v; want %v", got, ok, tc.want)
			}
		})
	}
}

// TestAgainstServer walks a real server that sends X-Next-Page, the way
// the host does: the params of each patch go into the next request.
func TestAgainstServer(t *testing.T) {
	const pages = 7
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if p == 0 {
			p = 1
		}
		if p < pages {
			w.Header().Set("X-Next-Page", strconv.Itoa(p+1))
		}
		_ = json.NewEncoder(w).Encode([]map[string]int{{"id": p*10 + 1}, {"id": p*10 + 2}})
	}))
	defer srv.Close()
	c, err := ParseConfig(map[string]any{"header": "X-Next-Page", "param": "page"})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(srv.URL + "/items?per_page=2")
	var ids []int
	for requests := 0; ; requests++ {
		if requests > pages {
			t.Fatalf("more than %d requests", pages)
		}
		resp, err := http.Get(u.String())
		if err != nil {
			t.Fatal(err)
		}
		var rows []map[string]int
		_ = json.NewDecoder(resp.Body).Decode(&rows)
		resp.Body.Close()
		for _, r := range rows {
			ids = append(ids, r["id"])
		}
		headers := map[string]string{}
		for k := range resp.Header {
			headers[strings.ToLower(k)] = resp.Header.Get(k)
		}
		params, ok := c.Next(headers, u.Query())
		if !ok {
			break
		}
		q := u.Query()
		for k, v := range params {
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
	}
	if len(ids) != 2*pages || ids[0] != 11 || ids[len(ids)-1] != pages*10+2 {
		t.Fatalf("ids %v", ids)
	}
	if got := u.Query().Get("per_page"); got != "2" {
		t.Fatalf("per_page lost: %q", got)
	}
}

func TestParseConfig(t *testing.T) {
	tests := []struct {
		raw  map[string]any
		want string
	}{
		{map[string]any{"header": "X-Next-Page", "param": "page"}, ""},
		{map[string]any{"param": "page"}, "config.header is required"},
		{map[string]any{"header": "X-Next-Page"}, "config.param is required"},
		{map[string]any{"header": " ", "param": "page"}, "config.header must be a non-empty string"},
		{map[string]any{"header": "X", "param": 3.0}, "config.param must be a non-empty string"},
	}
	for i, tc := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			_, err := ParseConfig(tc.raw)
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
