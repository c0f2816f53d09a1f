package samples_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
)

// credentials are what the test server expects requests to be signed with.
type credentials struct {
	accessKey, secretKey, region, service string
}

var spaces = regexp.MustCompile(` +`)

// verifySigV4 checks an AWS Signature Version 4 the way an AWS endpoint
// does, from the request as it arrived: it returns "" for a valid
// signature made within 5 minutes of now, else why not.
func verifySigV4(r *http.Request, c credentials, now time.Time) string {
	const algo = "AWS4-HMAC-SHA256 "
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, algo) {
		return "no SigV4 Authorization header"
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
	scope := date[:8] + "/" + c.region + "/" + c.service + "/aws4_request"
	if parts["Credential"] != c.accessKey+"/"+scope {
		return "bad credential " + parts["Credential"]
	}
	signed := strings.Split(parts["SignedHeaders"], ";")
	if !sort.StringsAreSorted(signed) || !contains(signed, "host") || !contains(signed, "x-amz-date") {
		return "bad SignedHeaders " + parts["SignedHeaders"]
	}
	var lines []string
	for _, h := range signed {
		v := r.Header.Get(h)
		if h == "host" {
			v = r.Host
		}
		lines = append(lines, h+":"+spaces.ReplaceAllString(strings.TrimSpace(v), " "))
	}
	body, _ := io.ReadAll(r.Body)
	bodySum := sha256.Sum256(body)
	q := r.URL.Query()
	for _, vs := range q {
		sort.Strings(vs)
	}
	canonical := strings.Join([]string{
		r.Method,
		strings.ReplaceAll(url.PathEscape(r.URL.EscapedPath()), "%2F", "/"),
		strings.ReplaceAll(q.Encode(), "+", "%20"),
		strings.Join(lines, "\n") + "\n",
		parts["SignedHeaders"],
		hex.EncodeToString(bodySum[:]),
	}, "\n")
	mac := func(key []byte, s string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(s))
		return m.Sum(nil)
	}
	k := mac([]byte("AWS4"+c.secretKey), date[:8])
	k = mac(k, c.region)
	k = mac(k, c.service)
	k = mac(k, "aws4_request")
	crSum := sha256.Sum256([]byte(canonical))
	want := hex.EncodeToString(mac(k, "AWS4-HMAC-SHA256\n"+date+"\n"+scope+"\n"+hex.EncodeToString(crSum[:])))
	if parts["Signature"] != want {
		return "the signature does not match"
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
