package pipeline

import (
	"bytes"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/runtime/config"
	"github.com/sluicehq/sluice/runtime/httpclient"
)

// TestHTTPOptions: the file's retry and origin settings reach the client
// through httpOptions alone, and the client uses them as they are.
func TestHTTPOptions(t *testing.T) {
	tests := []struct {
		name    string
		client  string
		retry   httpclient.RetryPolicy
		origins []string
		warn    bool
		res     string // the resources list; default [a]
	}{
		{
			name:    "defaults are the client's",
			client:  `{base_url: "https://API.example.com:443/v1/"}`,
			retry:   httpclient.DefaultRetryPolicy(),
			origins: []string{"https://api.example.com"},
		},
		{
			name:    "zero backoff and max delay mean no wait",
			client:  `{base_url: "http://h:8080/", retry: {backoff_factor: 0, max_delay: 0, max_attempts: 2, timeout: 1.5}, auth_origins: ["https://files.example.com"]}`,
			retry:   httpclient.RetryPolicy{MaxAttempts: 2, BackoffFactor: 0, MaxDelay: 0, Timeout: 1500 * time.Millisecond},
			origins: []string{"http://h:8080", "https://files.example.com"},
		},
		{
			name:   "no origin in base_url: a warning",
			client: `{base_url: "", headers: {X-A: b}}`,
			retry:  httpclient.DefaultRetryPolicy(),
			warn:   true,
			res:    `[{name: a, endpoint: {path: "https://x.example.com/a"}}]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.res
			if res == "" {
				res = "[a]"
			}
			src := "pipeline: {name: p}\nsource:\n  client: " + tt.client + "\n  resources: " + res + "\n"
			f, err := config.Parse([]byte(src), "p.yaml", t.TempDir(), config.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			h := httpOptions(f, &Options{}, slog.New(slog.NewTextHandler(&logs, nil)))
			if got := httpclient.New(h).Retry(); got != tt.retry {
				t.Errorf("retry = %+v, want %+v", got, tt.retry)
			}
			if !reflect.DeepEqual(h.AuthOrigins, tt.origins) {
				t.Errorf("origins = %q, want %q", h.AuthOrigins, tt.origins)
			}
			if got := strings.Contains(logs.String(), "client.auth_origins"); got != tt.warn {
				t.Errorf("warning = %v:\n%s", got, logs.String())
			}
		})
	}
}
