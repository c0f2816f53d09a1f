package config

import (
	"reflect"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/runtime/httpclient"
)

func TestAuthOrigins(t *testing.T) {
	src := `pipeline: {name: p}
source:
  client:
    base_url: https://api.example.com/
    auth_origins: ["https://files.example.com", "http://cdn.example.com:8080/", "${FILES}"]
  resources: [a]
`
	f, probs := parse(t, src, map[string]string{"FILES": "https://other.example.com"}, false)
	if probs != nil {
		t.Fatal(probs)
	}
	want := []string{"https://files.example.com", "http://cdn.example.com:8080/", "https://other.example.com"}
	if !reflect.DeepEqual(f.Source.Client.AuthOrigins, want) {
		t.Errorf("auth_origins = %q", f.Source.Client.AuthOrigins)
	}

	bad := []struct{ value, want string }{
		{`"files.example.com"`, "needs the scheme http:// or https://"},
		{`"https://files.example.com/downloads"`, "not a path"},
		{`"https://u:p@files.example.com"`, "has a user name or password"},
		{`"*"`, "is a wildcard"},
		{`"https://"`, "has no host"},
		{`"ftp://files.example.com"`, "needs the scheme"},
		{`42`, "expected an origin"},
	}
	for _, tt := range bad {
		src := "pipeline: {name: p}\nsource:\n  client:\n    base_url: https://api.example.com/\n    auth_origins:\n      - " + tt.value + "\n  resources: [a]\n"
		_, probs := parse(t, src, nil, false)
		if len(probs) != 1 || !strings.Contains(probs[0].Msg, tt.want) || probs[0].Line != 6 || probs[0].Path != "source.client.auth_origins[0]" {
			t.Errorf("%s: problems %v, want one at line 6 saying %q", tt.value, probs, tt.want)
		}
	}
	_, probs = parse(t, "pipeline: {name: p}\nsource:\n  client: {base_url: \"https://a.test/\", auth_origins: https://b.test}\n  resources: [a]\n", nil, false)
	if len(probs) != 1 || !strings.Contains(probs[0].Msg, "expected a list of origins") {
		t.Errorf("a string instead of a list: %v", probs)
	}
}

// FuzzCheckOrigin: an auth_origins entry that validate accepts is one the
// HTTP client accepts too, so a valid file never fails at run time on it.
func FuzzCheckOrigin(f *testing.F) {
	for _, s := range []string{"https://files.example.com", "http://h:8080/", "https://[::1]:9000", "files.example.com", "https://", "*", "https://h/p", "http://%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if checkOrigin(s) != "" {
			return
		}
		if _, err := httpclient.Origin(s); err != nil {
			t.Fatalf("config accepts %q, the client does not: %v", s, err)
		}
	})
}
