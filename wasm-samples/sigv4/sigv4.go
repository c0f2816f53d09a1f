package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Config is the plugin's `config:`.
type Config struct {
	AccessKeyID     string // access_key_id
	SecretAccessKey string // secret_access_key
	Region          string // region, e.g. us-east-1
	Service         string // service, e.g. iam, s3, execute-api
	SessionToken    string // session_token, optional (temporary credentials)
}

// ParseConfig reads the plugin's config, naming the key to fix when one is
// missing or not a string.
func ParseConfig(raw map[string]any) (Config, error) {
	var c Config
	fields := []struct {
		key      string
		dst      *string
		required bool
	}{
		{"access_key_id", &c.AccessKeyID, true},
		{"secret_access_key", &c.SecretAccessKey, true},
		{"region", &c.Region, true},
		{"service", &c.Service, true},
		{"session_token", &c.SessionToken, false},
	}
	for _, f := range fields {
		v, ok := raw[f.key]
		if !ok || v == nil {
			if f.required {
				return Config{}, fmt.Errorf("sigv4: config.%s is required (access_key_id, secret_access_key, region, service; optional session_token)", f.key)
			}
			continue
		}
		s, ok := v.(string)
		if !ok {
			return Config{}, fmt.Errorf("sigv4: config.%s must be a string, got %T", f.key, v)
		}
		if s == "" && f.required {
			return Config{}, fmt.Errorf("sigv4: config.%s is empty", f.key)
		}
		*f.dst = s
	}
	return c, nil
}

// Request is what the signer reads of an outgoing request.
type Request struct {
	Method  string
	URL     string            // absolute, with the query
	Headers map[string]string // as they will be sent (no Host: it comes from URL)
	Body    string
}

// ignoredHeaders are never signed: they are the signature itself, or a
// proxy or the HTTP client may change them (the AWS SDKs' list).
var ignoredHeaders = map[string]bool{
	"authorization":     true,
	"user-agent":        true,
	"x-amzn-trace-id":   true,
	"expect":            true,
	"transfer-encoding": true,
}

// Sign returns the headers to set on req so that AWS accepts it: X-Amz-Date,
// Authorization, X-Amz-Security-Token with a session token, and
// X-Amz-Content-Sha256 for S3.
func Sign(c Config, req Request, now time.Time) (map[string]string, error) {
	u, err := url.Parse(req.URL)
	if err != nil {
		return nil, fmt.Errorf("sigv4: the request URL %q does not parse: %v", req.URL, err)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("sigv4: the request URL %q has no host", req.URL)
	}
	amzDate := now.UTC().Format("20060102T150405Z")
	day := amzDate[:8]
	payload := hexSHA256(req.Body)

	set := map[string]string{"X-Amz-Date": amzDate}
	if c.SessionToken != "" {
		set["X-Amz-Security-Token"] = c.SessionToken
	}
	if c.Service == "s3" {
		set["X-Amz-Content-Sha256"] = payload
	}

	// The headers as sent: the request's, with ours replacing any of the
	// same name (a retried request already carries last attempt's).
	headers := map[string]string{"host": u.Host}
	for k, v := range req.Headers {
		headers[strings.ToLower(k)] = v
	}
	for k, v := range set {
		headers[strings.ToLower(k)] = v
	}
	canonical, signed := CanonicalRequest(req.Method, u, headers, payload, c.Service == "s3")
	scope := day + "/" + c.Region + "/" + c.Service + "/aws4_request"
	toSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hexSHA256(canonical)

	key := hmacSHA256([]byte("AWS4"+c.SecretAccessKey), day)
	key = hmacSHA256(key, c.Region)
	key = hmacSHA256(key, c.Service)
	key = hmacSHA256(key, "aws4_request")
	signature := hex.EncodeToString(hmacSHA256(key, toSign))

	set["Authorization"] = "AWS4-HMAC-SHA256 Credential=" + c.AccessKeyID + "/" + scope +
		", SignedHeaders=" + signed + ", Signature=" + signature
	return set, nil
}

// CanonicalRequest returns SigV4's canonical request and its signed-headers
// list. headers have lowercase names and include host; payload is the hex
// SHA-256 of the body. S3 encodes the path once, every other service twice
// (as the AWS SDKs do: the path as sent, escaped again).
func CanonicalRequest(method string, u *url.URL, headers map[string]string, payload string, s3 bool) (canonical, signed string) {
	path := u.EscapedPath()
	if u.Opaque != "" {
		path = u.Opaque
	}
	if path == "" {
		path = "/"
	}
	if !s3 {
		path = escape(path, false)
	}

	names := make([]string, 0, len(headers))
	for k := range headers {
		if !ignoredHeaders[k] {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(strings.ToUpper(method))
	b.WriteByte('\n')
	b.WriteString(path)
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(u.RawQuery))
	b.WriteByte('\n')
	for _, k := range names {
		b.WriteString(k)
		b.WriteByte(':')
		b.WriteString(strings.Join(strings.Fields(headers[k]), " "))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	signed = strings.Join(names, ";")
	b.WriteString(signed)
	b.WriteByte('\n')
	b.WriteString(payload)
	return b.String(), signed
}

// canonicalQuery sorts the parameters by name, then value, each escaped
// with SigV4's rules (space as %20).
func canonicalQuery(raw string) string {
	q, _ := url.ParseQuery(raw) // what does not parse is dropped, as the server would
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		vs := append([]string(nil), q[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			parts = append(parts, escape(k, true)+"="+escape(v, true))
		}
	}
	return strings.Join(parts, "&")
}

// escape percent-encodes every byte but the unreserved ones (A-Z a-z 0-9
// - _ . ~), and '/' unless encodeSlash.
func escape(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.', c == '~', c == '/' && !encodeSlash:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

func hexSHA256(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func hmacSHA256(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}
