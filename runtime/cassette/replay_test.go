package cassette

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sluicehq/sluice/runtime/redact"
)

func get(t *testing.T, rt http.RoundTripper, method, url, body string, h http.Header) (*http.Response, string, error) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return nil, "", err
	}
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b), nil
}

// TestRecordReplay records a server's answers (a 503 then a 200 for the
// same request, a token response, a form body with a client secret) and
// replays them against another origin.
func TestRecordReplay(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/token":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"access_token":"tok-abcdef-123","refresh_token":"ref-xyz-789","token_type":"Bearer","expires_in":60}`)
		case "/flaky":
			if calls.Add(1) == 1 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			w.Header().Set("Link", "<http://"+r.Host+"/flaky?page=2>; rel=\"next\"")
			fmt.Fprintf(w, `{"next":"http://%s/flaky?page=2","id":1}`, r.Host)
		}
	}))
	defer srv.Close()
	red := redact.New("s3cr3t-key")
	dir := t.TempDir()
	rec, err := NewRecorder(dir, nil, Options{Redactor: red, BaseOrigin: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	if _, body, err := get(t, rec, "POST", srv.URL+"/token", "grant_type=client_credentials&client_secret=cs-very-secret", form); err != nil || !strings.Contains(body, "tok-abcdef-123") {
		t.Fatalf("the recorder changed the live answer: %q %v", body, err)
	}
	auth := http.Header{"Authorization": {"Bearer tok-abcdef-123"}}
	for i := 0; i < 2; i++ {
		if _, _, err := get(t, rec, "GET", srv.URL+"/flaky?key=s3cr3t-key", "", auth); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if len(files) != 3 {
		t.Fatalf("%d files, want 3", len(files))
	}
	for _, f := range files {
		data, _ := os.ReadFile(f)
		for _, s := range []string{"tok-abcdef-123", "ref-xyz-789", "cs-very-secret", "s3cr3t-key", srv.URL} {
			if strings.Contains(string(data), s) {
				t.Errorf("%s holds %q:\n%s", filepath.Base(f), s, data)
			}
		}
	}

	rp, err := Load(dir, Options{Redactor: redact.New("other-key-value"), BaseOrigin: "http://replay.test:1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, body, err := get(t, rp, "POST", "http://replay.test:1/token", "grant_type=client_credentials&client_secret=another", form); err != nil || !strings.Contains(body, `"token_type":"Bearer"`) {
		t.Fatalf("token: %q %v", body, err)
	}
	want := []int{503, 200, 200} // in order, then the last one again
	for i, code := range want {
		resp, body, err := get(t, rp, "GET", "http://replay.test:1/flaky?key=other-key-value", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != code {
			t.Errorf("replay %d: status %d, want %d", i+1, resp.StatusCode, code)
		}
		if code == 200 && (!strings.Contains(body, `"next":"http://replay.test:1/flaky?page=2"`) || !strings.Contains(resp.Header.Get("Link"), "http://replay.test:1/flaky?page=2")) {
			t.Errorf("the replay's origin is not put back: %q %v", body, resp.Header)
		}
	}
	_, _, err = get(t, rp, "GET", "http://replay.test:1/flaky?key=x&page=3", "", nil)
	var ce *Error
	if err == nil || !strings.Contains(err.Error(), "GET {{origin}}/flaky?key=***&page=3") || !strings.Contains(err.Error(), "nearest recorded request is GET {{origin}}/flaky?key=***") {
		t.Errorf("missing request: %v", err)
	} else if !asError(err, &ce) || !ce.Permanent() {
		t.Errorf("a missing request is not a permanent *Error: %T", err)
	}
}

func asError(err error, target **Error) bool {
	e, ok := err.(*Error)
	if ok {
		*target = e
	}
	return ok
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(filepath.Join(dir, "none"), Options{}); err == nil || !strings.Contains(err.Error(), "--record") {
		t.Errorf("a missing folder: %v", err)
	}
	if _, err := Load(dir, Options{}); err == nil || !strings.Contains(err.Error(), "no recorded requests") {
		t.Errorf("an empty folder: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "get-x-000000000000.yaml"), []byte("request: {}"), 0o644); err != nil {
		t.Fatal(err)
	}
	rp, err := Load(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := get(t, rp, "GET", "http://h/x", "", nil); err == nil || !strings.Contains(err.Error(), "get-x-000000000000.yaml") {
		t.Errorf("a bad file is not named: %v", err)
	}
}
