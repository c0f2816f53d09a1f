package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// spaces are runs of spaces, which SigV4 collapses to one in header values.
var spaces = regexp.MustCompile(` +`)

var example = Config{
	AccessKeyID:     "AKIDEXAMPLE",
	SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	Region:          "us-east-1",
	Service:         "iam",
}

// TestAWSExample is the GET iam ListUsers example of AWS's SigV4
// documentation, with its published canonical request and signature.
func TestAWSExample(t *testing.T) {
	now := time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	got, err := Sign(example, Request{
		Method:  "GET",
		URL:     "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08",
		Headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	want := "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, " +
		"SignedHeaders=content-type;host;x-amz-date, " +
		"Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
	if got["Authorization"] != want {
		t.Errorf("Authorization\n got %s\nwant %s", got["Authorization"], want)
	}
	if got["X-Amz-Date"] != "20150830T123600Z" {
		t.Errorf("X-Amz-Date = %q", got["X-Amz-Date"])
	}
	u, _ := url.Parse("https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08")
	canonical, _ := CanonicalRequest("GET", u, map[string]string{
		"content-type": "application/x-www-form-urlencoded; charset=utf-8",
		"host":         "iam.amazonaws.com",
		"x-amz-date":   "20150830T123600Z",
	}, hexSHA256(""), false)
	if h := hexSHA256(canonical); h != "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59" {
		t.Errorf("canonical request hash %s; canonical request:\n%s", h, canonical)
	}
}

// verifier is an AWS-like endpoint: it rebuilds the canonical request from
// what arrived on the wire and accepts the request only when the signature
// matches and the date is within 5 minutes of now.
func verifier(t *testing.T, c Config, now time.Time) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if msg := verify(r, c, now); msg != "" {
			http.Error(w, msg, http.StatusForbidden)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
}

func verify(r *http.Request, c Config, now time.Time) string {
	auth := r.Header.Get("Authorization")
	const algo = "AWS4-HMAC-SHA256 "
	if !strings.HasPrefix(auth, algo) {
		return "no SigV4 Authorization"
	}
	parts := map[string]string{}
	for _, p := range strings.Split(strings.TrimPrefix(auth, algo), ", ") {
		k, v, _ := strings.Cut(p, "=")
		parts[k] = v
	}
	date := r.Header.Get("X-Amz-Date")
	when, err := time.Parse("20060102T150405Z", date)
	if err != nil || when.Sub(now).Abs() > 5*time.Minute {
		return "bad X-Amz-Date " + date
	}
	scope := date[:8] + "/" + c.Region + "/" + c.Service + "/aws4_request"
	if parts["Credential"] != c.AccessKeyID+"/"+scope {
		return "bad credential " + parts["Credential"]
	}
	if c.SessionToken != "" && r.Header.Get("X-Amz-Security-Token") != c.SessionToken {
		return "missing session token"
	}
	body, _ := io.ReadAll(r.Body)
	sum := sha256.Sum256(body)
	payload := hex.EncodeToString(sum[:])
	if c.Service == "s3" && r.Header.Get("X-Amz-Content-Sha256") != payload {
		return "bad X-Amz-Content-Sha256"
	}
	var lines []string
	for _, h := range strings.Split(parts["SignedHeaders"], ";") {
		v := r.Header.Get(h)
		if h == "host" {
			v = r.Host
		}
		lines = append(lines, h+":"+spaces.ReplaceAllString(strings.TrimSpace(v), " "))
	}
	for _, must := range []string{"host", "x-amz-date"} {
		if !strings.Contains(";"+parts["SignedHeaders"]+";", ";"+must+";") {
			return must + " not signed"
		}
	}
	q := r.URL.Query()
	for _, vs := range q {
		sort.Strings(vs)
	}
	path := r.URL.EscapedPath()
	if c.Service != "s3" {
		path = strings.ReplaceAll(url.PathEscape(path), "%2F", "/")
	}
	canonical := strings.Join([]string{
		r.Method, path, strings.ReplaceAll(q.Encode(), "+", "%20"),
		strings.Join(lines, "\n") + "\n", parts["SignedHeaders"], payload,
	}, "\n")
	mac := func(key []byte, s string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(s))
		return m.Sum(nil)
	}
	k := mac([]byte("AWS4"+c.SecretAccessKey), date[:8])
	k = mac(k, c.Region)
	k = mac(k, c.Service)
	k = mac(k, "aws4_request")
	cr := sha256.Sum256([]byte(canonical))
	want := hex.EncodeToString(mac(k, "AWS4-HMAC-SHA256\n"+date+"\n"+scope+"\n"+hex.EncodeToString(cr[:])))
	if parts["Signature"] != want {
		return "signature does not match; canonical request:\n" + canonical
	}
	return ""
}

// TestServerVerifies sends signed requests over real HTTP to a server that
// checks the signature, and tampered ones that it must refuse.
func TestServerVerifies(t *testing.T) {
	now := time.Now().UTC()
	withToken := example
	withToken.SessionToken = "FwoGZXIvYXdzEXAMPLETOKEN"
	s3 := example
	s3.Service = "s3"
	tests := []struct {
		name    string
		cfg     Config
		method  string
		path    string // with the query
		headers map[string]string
		body    string
		tamper  func(*http.Request)
		status  int
	}{
		{name: "get with a query", cfg: example, method: "GET", path: "/users?page=2&per_page=50", status: 200},
		{name: "query sorted by name then value, spaces", cfg: example, method: "GET", path: "/q?b=2&a=x%20y&a=w&c=%2F~", status: 200},
		{name: "an escaped path", cfg: example, method: "GET", path: "/a%20b/c", status: 200},
		{name: "post with a body and headers", cfg: example, method: "POST", path: "/items",
			headers: map[string]string{"Content-Type": "application/json", "X-Custom": "  a   b "}, body: `{"name":"x"}`, status: 200},
		{name: "session token", cfg: withToken, method: "GET", path: "/", status: 200},
		{name: "s3 content hash", cfg: s3, method: "PUT", path: "/bucket/key.txt", body: "hello", status: 200},
		{name: "a retry carries last attempt's signature", cfg: example, method: "GET", path: "/r",
			headers: map[string]string{"Authorization": "AWS4-HMAC-SHA256 stale", "X-Amz-Date": "20000101T000000Z"}, status: 200},
		{name: "query changed after signing", cfg: example, method: "GET", path: "/users?page=2",
			tamper: func(r *http.Request) { r.URL.RawQuery = "page=3" }, status: 403},
		{name: "body changed after signing", cfg: example, method: "POST", path: "/items", body: "a",
			tamper: func(r *http.Request) { r.Body = io.NopCloser(strings.NewReader("b")); r.ContentLength = 1 }, status: 403},
		{name: "signed header changed", cfg: example, method: "GET", path: "/", headers: map[string]string{"X-Custom": "1"},
			tamper: func(r *http.Request) { r.Header.Set("X-Custom", "2") }, status: 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := verifier(t, tc.cfg, now)
			defer srv.Close()
			set, err := Sign(tc.cfg, Request{Method: tc.method, URL: srv.URL + tc.path, Headers: tc.headers, Body: tc.body}, now)
			if err != nil {
				t.Fatal(err)
			}
			req, err := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			for k, v := range set {
				req.Header.Set(k, v)
			}
			if tc.tamper != nil {
				tc.tamper(req)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			msg, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, msg)
			}
		})
	}
}

func TestParseConfig(t *testing.T) {
	full := map[string]any{"access_key_id": "A", "secret_access_key": "S", "region": "eu-west-1", "service": "execute-api"}
	without := func(k string) map[string]any {
		m := map[string]any{}
		for kk, v := range full {
			if kk != k {
				m[kk] = v
			}
		}
		return m
	}
	tests := []struct {
		name string
		raw  map[string]any
		want string // error substring; "" for none
	}{
		{"all keys", full, ""},
		{"with a session token", map[string]any{"access_key_id": "A", "secret_access_key": "S", "region": "r", "service": "s", "session_token": "T"}, ""},
		{"no access key", without("access_key_id"), "config.access_key_id is required"},
		{"no secret", without("secret_access_key"), "config.secret_access_key is required"},
		{"no region", without("region"), "config.region is required"},
		{"no service", without("service"), "config.service is required"},
		{"a number", map[string]any{"access_key_id": "A", "secret_access_key": "S", "region": 1.0, "service": "s"}, "config.region must be a string"},
		{"empty", map[string]any{"access_key_id": "", "secret_access_key": "S", "region": "r", "service": "s"}, "config.access_key_id is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig(tc.raw)
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestSignErrors(t *testing.T) {
	for _, u := range []string{"::nope", "/relative"} {
		if _, err := Sign(example, Request{Method: "GET", URL: u}, time.Now()); err == nil {
			t.Errorf("%q: no error", u)
		}
	}
}
