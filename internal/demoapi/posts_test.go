package demoapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/demoapi"
)

// getList GETs a JSON array of objects.
func getList(t *testing.T, rawURL string) []map[string]any {
	t.Helper()
	var out []map[string]any
	decode(t, getOK(t, rawURL, nil).body, &out)
	return out
}

func errorOf(t *testing.T, r response) string {
	t.Helper()
	var e struct{ Error string }
	decode(t, r.body, &e)
	return e.Error
}

func TestUserPosts(t *testing.T) {
	api := demoapi.New(demoapi.Options{Users: 5, Seed: 7})
	srv := httptest.NewServer(api)
	defer srv.Close()

	posts := getList(t, srv.URL+"/users/2/posts")
	if len(posts) != demoapi.DefaultPostsPerUser {
		t.Fatalf("%d posts, want %d", len(posts), demoapi.DefaultPostsPerUser)
	}
	for k, p := range posts {
		keys := make([]string, 0, len(p))
		for key := range p {
			keys = append(keys, key)
		}
		sort.Strings(keys)
		if got := strings.Join(keys, ","); got != "body,created_at,id,title,user_id" {
			t.Errorf("post %d has fields %s", k, got)
		}
		if id := fmt.Sprint(p["id"]); id != fmt.Sprint(2001+k) {
			t.Errorf("post %d id %s, want %d", k, id, 2001+k)
		}
		if uid := fmt.Sprint(p["user_id"]); uid != "2" {
			t.Errorf("post %d user_id %s", k, uid)
		}
		if _, err := time.Parse(time.RFC3339, p["created_at"].(string)); err != nil {
			t.Errorf("post %d created_at: %v", k, err)
		}
		if p["title"] == "" || p["body"] == "" {
			t.Errorf("post %d is blank: %v", k, p)
		}
	}
	if !reflect.DeepEqual(canonical(t, posts), canonical(t, api.Posts(2))) {
		t.Errorf("served posts differ from Server.Posts(2):\n%v\n%v", posts, api.Posts(2))
	}
	if got := getList(t, srv.URL+"/users/2/posts?per_user=5"); len(got) != 5 || !reflect.DeepEqual(got[:3], posts) {
		t.Errorf("per_user=5 gave %d posts, or the first three differ", len(got))
	}
	if api.Posts(6) != nil || api.Posts(0) != nil {
		t.Error("Server.Posts of an unknown user is not nil")
	}
	for _, c := range []struct {
		path   string
		status int
		errHas string
	}{
		{"/users/6/posts", 404, `user "6" not found`},
		{"/users/0/posts", 404, "not found"},
		{"/users/x/posts", 404, "not found"},
		{"/users/1/posts?per_user=0", 400, "per_user"},
		{"/users/1/posts?per_user=1000", 400, "per_user"},
		{"/users/1/posts/1", 404, "no such endpoint"},
	} {
		r := get(t, srv.URL+c.path)
		if r.status != c.status || !strings.Contains(errorOf(t, r), c.errHas) {
			t.Errorf("GET %s: %d %s, want %d mentioning %q", c.path, r.status, r.body, c.status, c.errHas)
		}
	}
}

func TestPostsBatch(t *testing.T) {
	api := demoapi.New(demoapi.Options{Users: 1200})
	srv := httptest.NewServer(api)
	defer srv.Close()

	var want []map[string]any
	for _, uid := range []int{3, 1, 7} {
		want = append(want, getList(t, fmt.Sprintf("%s/users/%d/posts", srv.URL, uid))...)
	}
	for _, q := range []string{"user_ids=3,1,7", "user_ids=3,%201,7,3", "user_ids=3&user_ids=1,7"} {
		if got := getList(t, srv.URL+"/posts?"+q); !reflect.DeepEqual(got, want) {
			t.Errorf("/posts?%s: %d posts, want the %d of users 3, 1, 7 in that order", q, len(got), len(want))
		}
	}
	if got := getList(t, srv.URL+"/posts?user_ids=2&per_user=1"); len(got) != 1 || fmt.Sprint(got[0]["id"]) != "2001" {
		t.Errorf("per_user=1: %v", got)
	}
	ids := make([]string, demoapi.MaxBatchUsers)
	for i := range ids {
		ids[i] = fmt.Sprint(i + 1)
	}
	if got := getList(t, srv.URL+"/posts?user_ids="+strings.Join(ids, ",")); len(got) != 3*demoapi.MaxBatchUsers {
		t.Errorf("%d ids: %d posts", len(ids), len(got))
	}
	for _, c := range []struct {
		query  string
		status int
		errHas string
	}{
		{"", 400, "user_ids is required"},
		{"user_ids=", 400, "empty entry"},
		{"user_ids=1,,2", 400, "empty entry"},
		{"user_ids=1,a", 400, `"a" is not an integer`},
		{"user_ids=1,1201,0,5000", 404, "users not found: 1201, 0, 5000"},
		{"user_ids=" + strings.Join(ids, ",") + ",1001", 400, "at most 1000"},
	} {
		r := get(t, srv.URL+"/posts?"+c.query)
		if r.status != c.status || !strings.Contains(errorOf(t, r), c.errHas) {
			t.Errorf("GET /posts?%.40s: %d %.200s, want %d mentioning %q", c.query, r.status, r.body, c.status, c.errHas)
		}
	}
}

func TestCommentsChain(t *testing.T) {
	api := demoapi.New(demoapi.Options{Users: 10})
	srv := httptest.NewServer(api)
	defer srv.Close()

	// Three levels, as a dependent pipeline walks them.
	seen := map[string]bool{}
	for uid := 1; uid <= 10; uid++ {
		for _, p := range getList(t, fmt.Sprintf("%s/users/%d/posts", srv.URL, uid)) {
			pid := fmt.Sprint(p["id"])
			if one := getList(t, srv.URL+"/posts?user_ids="+fmt.Sprint(uid)); len(one) != 3 {
				t.Fatalf("batch of one user: %d posts", len(one))
			}
			var single map[string]any
			decode(t, getOK(t, srv.URL+"/posts/"+pid, nil).body, &single)
			if !reflect.DeepEqual(single, p) {
				t.Errorf("/posts/%s = %v, want %v", pid, single, p)
			}
			cs := getList(t, srv.URL+"/posts/"+pid+"/comments")
			if len(cs) != demoapi.DefaultCommentsPerPost {
				t.Fatalf("post %s: %d comments", pid, len(cs))
			}
			for j, c := range cs {
				if fmt.Sprint(c["post_id"]) != pid || fmt.Sprint(c["id"]) != fmt.Sprintf("%s%02d", pid, j+1) {
					t.Errorf("comment %v of post %s", c, pid)
				}
				if c["created_at"].(string) <= p["created_at"].(string) {
					t.Errorf("comment %v is older than its post (%v)", c["created_at"], p["created_at"])
				}
				seen[fmt.Sprint(c["id"])] = true
			}
			var n int64
			fmt.Sscan(pid, &n)
			if !reflect.DeepEqual(canonical(t, cs), canonical(t, api.Comments(n))) {
				t.Errorf("comments of %s differ from Server.Comments", pid)
			}
		}
	}
	if len(seen) != 10*3*2 {
		t.Errorf("%d distinct comments, want 60", len(seen))
	}
	for _, path := range []string{"/posts/1004/comments", "/posts/11001/comments", "/posts/999/comments", "/posts/abc", "/posts/1000"} {
		if r := get(t, srv.URL+path); r.status != 404 || !strings.Contains(errorOf(t, r), "not found") {
			t.Errorf("GET %s: %d %s", path, r.status, r.body)
		}
	}
	if got := getList(t, srv.URL+"/posts/1004/comments?per_user=4"); len(got) != 2 {
		t.Errorf("post 4 of user 1 with per_user=4: %d comments", len(got))
	}
}

func TestPostsOptionsAndDeterminism(t *testing.T) {
	a := httptest.NewServer(demoapi.New(demoapi.Options{Users: 3, Seed: 5, PostsPerUser: 4, CommentsPerPost: 5}))
	defer a.Close()
	b := httptest.NewServer(demoapi.New(demoapi.Options{Users: 3, Seed: 5, PostsPerUser: 4, CommentsPerPost: 5}))
	defer b.Close()
	c := httptest.NewServer(demoapi.New(demoapi.Options{Users: 3, Seed: 6, PostsPerUser: 4, CommentsPerPost: 5}))
	defer c.Close()
	for _, path := range []string{"/posts?user_ids=1,2,3", "/posts/2004/comments"} {
		ra, rb, rc := getOK(t, a.URL+path, nil), getOK(t, b.URL+path, nil), getOK(t, c.URL+path, nil)
		if string(ra.body) != string(rb.body) {
			t.Errorf("%s: two servers with one seed differ", path)
		}
		if string(ra.body) == string(rc.body) {
			t.Errorf("%s: seeds 5 and 6 give the same bytes", path)
		}
	}
	if got := getList(t, a.URL+"/posts?user_ids=1,2,3"); len(got) != 12 {
		t.Errorf("PostsPerUser 4: %d posts for 3 users", len(got))
	}
	if got := getList(t, a.URL+"/posts/1001/comments"); len(got) != 5 {
		t.Errorf("CommentsPerPost 5: %d comments", len(got))
	}
	none := httptest.NewServer(demoapi.New(demoapi.Options{Users: 3, PostsPerUser: -1}))
	defer none.Close()
	if r := getOK(t, none.URL+"/users/1/posts", nil); strings.TrimSpace(string(r.body)) != "[]" {
		t.Errorf("PostsPerUser -1: %s, want []", r.body)
	}
	if r := get(t, none.URL+"/posts/1001/comments"); r.status != http.StatusNotFound {
		t.Errorf("PostsPerUser -1: post 1001 answers %d", r.status)
	}
}
