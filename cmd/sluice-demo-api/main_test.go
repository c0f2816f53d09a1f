package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to write from the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs the command with args and returns the URL it printed, a stop
// function that returns its exit code, and its stderr.
func start(t *testing.T, env map[string]string, args ...string) (string, func() int, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	stderr := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"--print-url"}, args...), func(k string) string { return env[k] }, pw, stderr)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("no URL on stdout (%v); stderr: %s", err, stderr)
	}
	go io.Copy(io.Discard, pr)
	stop := func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(10 * time.Second):
			t.Fatal("did not shut down")
			return -1
		}
	}
	t.Cleanup(func() { cancel() })
	return strings.TrimSpace(line), stop, stderr
}

func status(t *testing.T, url, token string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestServeAndShutdown(t *testing.T) {
	base, stop, stderr := start(t, nil, "--addr", "127.0.0.1:0", "--users", "5", "--page-size", "2", "--token", "tok", "--seed", "9")
	if !strings.HasPrefix(base, "http://127.0.0.1:") || strings.HasSuffix(base, ":0") {
		t.Fatalf("printed %q", base)
	}
	if code, body := status(t, base+"/healthz", ""); code != 200 || string(body) != "ok" {
		t.Errorf("healthz: %d %s", code, body)
	}
	if code, _ := status(t, base+"/users", ""); code != 401 {
		t.Errorf("no token: %d", code)
	}
	code, body := status(t, base+"/users?page=3", "tok")
	var page struct {
		Data       []map[string]any
		Pagination struct {
			TotalPages int `json:"total_pages"`
			Next       *string
		}
	}
	if err := json.Unmarshal(body, &page); code != 200 || err != nil {
		t.Fatalf("page 3: %d %s", code, body)
	}
	if len(page.Data) != 1 || page.Pagination.TotalPages != 3 || page.Pagination.Next != nil {
		t.Errorf("page 3 of 5 users by 2: %s", body)
	}
	if code := stop(); code != 0 {
		t.Errorf("exit %d; stderr: %s", code, stderr)
	}
	if s := stderr.String(); !strings.Contains(s, "serving 5 users") || !strings.Contains(s, "stopped after 2 data requests") || strings.Contains(s, "tok)") {
		t.Errorf("stderr: %s", s)
	}
}

func TestTokenFromEnv(t *testing.T) {
	base, stop, _ := start(t, map[string]string{"DEMO_API_TOKEN": "envtok"}, "--addr", ":0")
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Errorf("--addr :0 must listen on loopback, got %s", base)
	}
	if code, _ := status(t, base+"/users", ""); code != 401 {
		t.Errorf("env token not enforced: %d", code)
	}
	if code, _ := status(t, base+"/users", "envtok"); code != 200 {
		t.Errorf("env token refused: %d", code)
	}
	stop()

	// An explicit --token "" wins over the environment.
	base, stop, _ = start(t, map[string]string{"DEMO_API_TOKEN": "envtok"}, "--addr", "127.0.0.1:0", "--token", "")
	if code, _ := status(t, base+"/users", ""); code != 200 {
		t.Errorf("--token '' should disable auth: %d", code)
	}
	stop()
}

func TestFlags(t *testing.T) {
	cases := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"--help"}, 0, "/users/link?page=N"},
		{[]string{"--users", "-1"}, 2, "--users"},
		{[]string{"--page-size", "0"}, 2, "--page-size"},
		{[]string{"--fail-every", "-2"}, 2, "--fail-every"},
		{[]string{"--latency", "-1s"}, 2, "--latency"},
		{[]string{"--addr", "nonsense"}, 2, "--addr"},
		{[]string{"--nope"}, 2, "flag provided but not defined"},
		{[]string{"extra"}, 2, "unexpected arguments"},
		{[]string{"--addr", "127.0.0.1:99999"}, 1, "invalid port"},
		{[]string{"--help"}, 0, "/admin/tickets/mutate"},
		{[]string{"--posts-per-user", "1000"}, 2, "--posts-per-user must be between 0 and 999"},
		{[]string{"--comments-per-post", "-1"}, 2, "--comments-per-post"},
		{[]string{"--tickets", "-5"}, 2, "--tickets"},
		{[]string{"--clock", "tomorrow"}, 2, "--clock"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), c.args, func(string) string { return "" }, &stdout, &stderr)
		if code != c.code || !strings.Contains(stderr.String(), c.stderr) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d mentioning %q", c.args, code, stderr.String(), c.code, c.stderr)
		}
		if stdout.Len() != 0 {
			t.Errorf("%v: stdout %q", c.args, stdout.String())
		}
	}
}

func TestGzipFlag(t *testing.T) {
	for _, c := range []struct {
		flag string
		want string
	}{{"--gzip=true", "gzip"}, {"--gzip=false", ""}} {
		base, stop, _ := start(t, nil, "--addr", "127.0.0.1:0", c.flag)
		req, _ := http.NewRequest(http.MethodGet, base+"/users", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Content-Encoding"); got != c.want {
			t.Errorf("%s: Content-Encoding %q, want %q", c.flag, got, c.want)
		}
		stop()
	}
}

func TestZeroUsers(t *testing.T) {
	base, stop, _ := start(t, nil, "--addr", "127.0.0.1:0", "--users", "0")
	if code, body := status(t, base+"/users", ""); code != 200 || !strings.HasPrefix(string(body), `{"data":[],`) {
		t.Errorf("--users 0: %d %s", code, body)
	}
	stop()
}

func TestBlogFlags(t *testing.T) {
	base, stop, stderr := start(t, nil, "--addr", "127.0.0.1:0", "--users", "4", "--posts-per-user", "2",
		"--comments-per-post", "1", "--tickets", "5", "--clock", "2030-01-01T00:00:00Z")
	count := func(path string) int {
		t.Helper()
		code, body := status(t, base+path, "")
		var list []any
		if err := json.Unmarshal(body, &list); code != 200 || err != nil {
			t.Fatalf("%s: %d %s", path, code, body)
		}
		return len(list)
	}
	if n := count("/users/4/posts"); n != 2 {
		t.Errorf("--posts-per-user 2: %d posts", n)
	}
	if n := count("/posts/4002/comments"); n != 1 {
		t.Errorf("--comments-per-post 1: %d comments", n)
	}
	if n := count("/posts?user_ids=1,2,3,4"); n != 8 {
		t.Errorf("batch of 4 users: %d posts", n)
	}
	if code, body := status(t, base+"/tickets", ""); code != 200 || !strings.Contains(string(body), `"total":5`) {
		t.Errorf("--tickets 5: %d %s", code, body)
	}
	resp, err := http.Post(base+"/admin/tickets/mutate?add=1", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Clock string }
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || m.Clock != "2030-01-01T00:00:01Z" {
		t.Errorf("mutation from --clock 2030: %+v %v", m, err)
	}
	resp.Body.Close()
	if code, body := status(t, base+"/admin/stats", ""); code != 200 || !strings.Contains(string(body), `"requests":4`) || !strings.Contains(string(body), `"tickets":6`) {
		t.Errorf("stats: %d %s", code, body)
	}
	stop()
	if s := stderr.String(); !strings.Contains(s, "4 users with 2 posts each, 5 tickets") {
		t.Errorf("stderr: %s", s)
	}

	base, stop, _ = start(t, nil, "--addr", "127.0.0.1:0", "--posts-per-user", "0", "--tickets", "0")
	if code, body := status(t, base+"/users/1/posts", ""); code != 200 || strings.TrimSpace(string(body)) != "[]" {
		t.Errorf("--posts-per-user 0: %d %s", code, body)
	}
	if code, body := status(t, base+"/tickets", ""); code != 200 || !strings.Contains(string(body), `"total":0`) {
		t.Errorf("--tickets 0: %d %s", code, body)
	}
	stop()
}
