package demoapi_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/demoapi"
)

// serve answers one request in process and returns the status and body.
func serve(api *demoapi.Server, method, target string) (int, []byte) {
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec.Code, rec.Body.Bytes()
}

// FuzzPostsQuery: whatever the query of /posts, the answer is 200 with the
// posts of exactly the listed users, or a 400/404 JSON error.
func FuzzPostsQuery(f *testing.F) {
	for _, s := range []string{"user_ids=1,2,3", "user_ids=3,1,3&per_user=2", "user_ids=", "user_ids=1,,2", "user_ids=0",
		"user_ids=9999999999999999999", "user_ids=+1", "user_ids=%201", "user_ids=1&user_ids=2", "per_user=9", "user_ids=a%00"} {
		f.Add(s)
	}
	api := demoapi.New(demoapi.Options{Users: 40})
	f.Fuzz(func(t *testing.T, rawQuery string) {
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			t.Skip()
		}
		status, body := serve(api, "GET", "/posts?"+q.Encode())
		switch status {
		case 200:
		case 400, 404:
			var e struct{ Error string }
			if err := json.Unmarshal(body, &e); err != nil || e.Error == "" {
				t.Fatalf("%d without a JSON error: %s", status, body)
			}
			return
		default:
			t.Fatalf("status %d: %s", status, body)
		}
		var raw []map[string]any
		if err := json.Unmarshal(body, &raw); err != nil {
			t.Fatalf("not a JSON list: %v", err)
		}
		listed := map[int64]bool{}
		for _, v := range q["user_ids"] {
			for p := range strings.SplitSeq(v, ",") {
				n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
				if err != nil || n < 1 || n > 40 {
					t.Fatalf("200 for user_ids %q", q["user_ids"])
				}
				listed[n] = true
			}
		}
		perUser := demoapi.DefaultPostsPerUser
		if v := q.Get("per_user"); q.Has("per_user") {
			perUser, _ = strconv.Atoi(v)
		}
		if len(raw) != len(listed)*perUser {
			t.Fatalf("%d posts for %d users × %d", len(raw), len(listed), perUser)
		}
		for _, p := range raw {
			uid, _ := p["user_id"].(float64)
			if !listed[int64(uid)] {
				t.Fatalf("post of unlisted user %v", p["user_id"])
			}
		}
	})
}

// FuzzTicketsQuery: whatever updated_since, updated_until, offset and
// limit say, /tickets and /users/{id}/tickets answer 200 with a sorted page
// inside the window (of that requester), or 400 with a JSON error (404 for
// an unknown user).
func FuzzTicketsQuery(f *testing.F) {
	f.Add("2025-12-15T00:00:00Z", "", "0", "100", 0)
	f.Add("2025-12-15 10:00:00+01:00", "2026-01-01", "3", "7", 3)
	f.Add("2025-12-15T10:00:00.5-02:00", "2025-12-20T00:00:00", "", "", 0)
	f.Add("None", "x", "-1", "0", 0)
	f.Add("9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "99999999999999999999", "1000", 11)
	api := demoapi.New(demoapi.Options{Tickets: 300, Users: 10})
	if _, err := api.MutateTickets(20, 30); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, since, until, offset, limit string, user int) {
		q := url.Values{}
		for k, v := range map[string]string{"updated_since": since, "updated_until": until, "offset": offset, "limit": limit} {
			if v != "" {
				q.Set(k, v)
			}
		}
		path := "/tickets"
		if user != 0 {
			path = "/users/" + strconv.Itoa(user) + "/tickets"
		}
		status, body := serve(api, "GET", path+"?"+q.Encode())
		if status == 404 && (user < 1 || user > 10) {
			return
		}
		if status == 400 {
			if !bytes.Contains(body, []byte(`"error"`)) {
				t.Fatalf("400 without a JSON error: %s", body)
			}
			return
		}
		if status != 200 {
			t.Fatalf("status %d: %s", status, body)
		}
		var p struct {
			Data []struct {
				ID          int64  `json:"id"`
				UpdatedAt   string `json:"updated_at"`
				RequesterID int    `json:"requester_id"`
			}
			Total int
			Next  *string
		}
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		if p.Total < 0 || p.Total > 320 || len(p.Data) > p.Total {
			t.Fatalf("total %d, %d rows", p.Total, len(p.Data))
		}
		lo, hi := bound(t, since), bound(t, until)
		for i, tk := range p.Data {
			u, err := time.Parse(time.RFC3339, tk.UpdatedAt)
			if err != nil {
				t.Fatal(err)
			}
			if (since != "" && u.Before(lo)) || (until != "" && !u.Before(hi)) {
				t.Fatalf("ticket %d updated %s is outside [%q, %q)", tk.ID, tk.UpdatedAt, since, until)
			}
			if user != 0 && tk.RequesterID != user {
				t.Fatalf("ticket %d of requester %d in the list of user %d", tk.ID, tk.RequesterID, user)
			}
			if i > 0 && (p.Data[i-1].UpdatedAt > tk.UpdatedAt || p.Data[i-1].UpdatedAt == tk.UpdatedAt && p.Data[i-1].ID >= tk.ID) {
				t.Fatalf("out of order at %d", i)
			}
		}
		if p.Next != nil && !strings.Contains(*p.Next, "offset=") {
			t.Fatalf("next %q has no offset", *p.Next)
		}
	})
}

// bound parses a time the way the API documents it (for a 200 answer it
// must parse).
func bound(t *testing.T, v string) time.Time {
	if v == "" {
		return time.Time{}
	}
	if len(v) > 10 && v[10] == ' ' {
		v = v[:10] + "T" + v[11:]
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02"} {
		if tm, err := time.Parse(layout, v); err == nil {
			return tm
		}
	}
	t.Fatalf("200 for the time %q", v)
	return time.Time{}
}
