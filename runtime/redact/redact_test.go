package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

const (
	tok  = "s3cr3t-T0ken"
	pass = "p@ss w/rd+&="
)

func TestString(t *testing.T) {
	r := New(tok, pass, "", "ab", "x")
	tests := []struct{ in, want string }{
		{"plain " + tok + " end", "plain *** end"},
		{tok + tok, "******"},
		{"query-escaped " + url.QueryEscape(pass), "query-escaped ***"},
		{"path-escaped " + url.PathEscape(pass), "path-escaped ***"},
		{"no secret here: ab x", "no secret here: ab x"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := r.String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLongestFirst(t *testing.T) {
	r := New("abcd", "abcdefg")
	if got := r.String("xabcdefgx abcdx"); got != "x***x ***x" {
		t.Fatalf("got %q", got)
	}
	// a secret that contains another must not leave a tail behind
	r = New("secret", "secret-and-more")
	if got := r.String("secret-and-more"); got != "***" {
		t.Fatalf("got %q", got)
	}
}

func TestAddAndNil(t *testing.T) {
	r := New()
	if got := r.String("a " + tok); got != "a "+tok {
		t.Fatalf("empty redactor changed text: %q", got)
	}
	r.Add(tok)
	r.Add(tok) // again: no-op
	if got := r.String("a " + tok); got != "a ***" {
		t.Fatalf("after Add: %q", got)
	}
	var nilR *Redactor
	nilR.Add(tok)
	if got := nilR.String(tok); got != tok {
		t.Fatalf("nil String: %q", got)
	}
	if got := nilR.URL("https://h/p?token=abc"); got != "https://h/p?token=***" {
		t.Fatalf("nil URL: %q", got)
	}
	var zero Redactor
	zero.Add(tok)
	if got := zero.String(tok); got != "***" {
		t.Fatalf("zero value: %q", got)
	}
}

func TestURL(t *testing.T) {
	r := New(tok)
	tests := []struct{ in, want string }{
		{"https://h/p?api_key=super_secret&token=t&public_param=v",
			"https://h/p?api_key=***&token=***&public_param=v"},
		{"https://h/p?API_KEY=a&Access-Token=b&pwd=c&password=d&client_secret=e&secret=f&key=g&apikey=h&api-key=i&access_token=j",
			"https://h/p?API_KEY=***&Access-Token=***&pwd=***&password=***&client_secret=***&secret=***&key=***&apikey=***&api-key=***&access_token=***"},
		{"https://h/p?page=2&token=abc#frag", "https://h/p?page=2&token=***#frag"},
		{"https://h/p?token=&flag&monkey=1", "https://h/p?token=***&flag&monkey=1"},
		{"https://h/p?tok%65n=abc", "https://h/p?tok%65n=***"},
		{"https://user:hunter22@h:8080/p?q=1", "https://user:***@h:8080/p?q=1"},
		{"https://user@h/p", "https://user@h/p"},
		{"https://h/users/" + tok + "/items?x=" + tok, "https://h/users/***/items?x=***"},
		{"https://h/p", "https://h/p"},
		{"::not a url?token=abc&x=" + tok, "::not a url?token=***&x=***"},
	}
	for _, tt := range tests {
		if got := r.URL(tt.in); got != tt.want {
			t.Errorf("URL(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestText(t *testing.T) {
	r := New(tok)
	in := `Get "https://h/p?token=abc&x=1": dial tcp: refused; then http://u:pw1234@h2/?key=k ` + tok
	want := `Get "https://h/p?token=***&x=1": dial tcp: refused; then http://u:***@h2/?key=*** ***`
	if got := r.Text(in); got != want {
		t.Fatalf("Text\n got %q\nwant %q", got, want)
	}
	if got := r.Text("httpx http: nothing"); got != "httpx http: nothing" {
		t.Fatalf("got %q", got)
	}
}

func TestHeader(t *testing.T) {
	r := New(tok)
	h := http.Header{
		"Authorization":       {"Bearer " + tok},
		"Proxy-Authorization": {"Basic dXNlcjpwYXNz"},
		"Cookie":              {"session=abcdef"},
		"X-Api-Key":           {"k-123456"},
		"X-Custom-Token":      {"zzz-999"},
		"X-Echo":              {"contains " + tok},
		"Accept":              {"application/json"},
	}
	got := r.Header(h)
	want := http.Header{
		"Authorization":       {"Bearer ***"},
		"Proxy-Authorization": {"Basic ***"},
		"Cookie":              {"***"},
		"X-Api-Key":           {"***"},
		"X-Custom-Token":      {"***"},
		"X-Echo":              {"contains ***"},
		"Accept":              {"application/json"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Header\n got %v\nwant %v", got, want)
	}
	if h.Get("Authorization") != "Bearer "+tok {
		t.Fatal("Header changed its argument")
	}
	if r.Header(nil) != nil {
		t.Fatal("Header(nil) != nil")
	}
}

type codeErr struct{ msg string }

func (e *codeErr) Error() string { return e.msg }

func TestError(t *testing.T) {
	r := New()
	base := &codeErr{msg: "GET https://h/p?token=abc failed with " + tok}
	wrapped := fmt.Errorf("fetch: %w", base)
	err := r.Error(wrapped)
	r.Add(tok) // learned after wrapping: still masked
	if got := err.Error(); got != "fetch: GET https://h/p?token=*** failed with ***" {
		t.Fatalf("got %q", got)
	}
	var ce *codeErr
	if !errors.As(err, &ce) || ce != base {
		t.Fatal("errors.As does not reach the cause")
	}
	if !errors.Is(r.Error(fs.ErrNotExist), fs.ErrNotExist) {
		t.Fatal("errors.Is does not reach the cause")
	}
	if r.Error(nil) != nil {
		t.Fatal("Error(nil) != nil")
	}
	if r.Error(err) != err {
		t.Fatal("wrapping twice")
	}
}

type stringer struct{ s string }

func (s stringer) String() string { return s.s }

type logValuer struct{}

func (logValuer) LogValue() slog.Value { return slog.StringValue("lv " + tok) }

func TestHandler(t *testing.T) {
	r := New(tok)
	for _, kind := range []string{"text", "json"} {
		t.Run(kind, func(t *testing.T) {
			var buf bytes.Buffer
			var base slog.Handler = slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})
			if kind == "json" {
				base = slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})
			}
			log := slog.New(r.Handler(base))
			log = log.With("with", "w "+tok).WithGroup("g").With("inner", tok)
			log.Debug("GET https://h/p?token=abc&q="+tok,
				"s", "str "+tok,
				"err", errors.New("boom "+tok),
				"url", stringer{"https://h/?api_key=zz"},
				"bytes", []byte("b "+tok),
				"map", map[string]string{"k": tok},
				"lv", logValuer{},
				"token", "not-in-the-list-but-named-token",
				"n", 42,
				slog.Group("grp", "deep", tok, slog.Group("deeper", "x", "x "+tok)),
			)
			out := buf.String()
			if strings.Contains(out, tok) || strings.Contains(out, "abc") ||
				strings.Contains(out, "zz") || strings.Contains(out, "not-in-the-list") {
				t.Fatalf("a secret survived:\n%s", out)
			}
			for _, want := range []string{"***", "42", "grp", "deeper"} {
				if !strings.Contains(out, want) {
					t.Fatalf("output lacks %q:\n%s", want, out)
				}
			}
			if kind == "json" {
				var m map[string]any
				if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
					t.Fatalf("bad JSON: %v\n%s", err, out)
				}
				if n := m["g"].(map[string]any)["n"]; n != float64(42) {
					t.Fatalf("number attribute lost its type: %#v", n)
				}
			}
		})
	}
}

func TestHandlerEnabled(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(New(tok).Handler(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn})))
	log.Info("dropped " + tok)
	if buf.Len() != 0 {
		t.Fatalf("level not honoured: %s", buf.String())
	}
}

// TestNeverSurvives pushes secrets of awkward shapes through every entry
// point.
func TestNeverSurvives(t *testing.T) {
	secrets := []string{tok, pass, "ünïcødé-sécret", `quo"te\back`, "a+b/c=d", "with space"}
	r := New(secrets...)
	for _, s := range secrets {
		forms := []string{s, url.QueryEscape(s), url.PathEscape(s), jsonEscape(s)}
		for _, f := range forms {
			u := "https://user:" + url.QueryEscape(s) + "@h/" + url.PathEscape(s) + "?x=" + url.QueryEscape(s) + "&token=" + url.QueryEscape(s)
			outs := []string{
				r.String("<" + f + ">"),
				r.Text("<" + f + "> " + u),
				r.URL(u),
				r.Error(errors.New("e " + f + " " + u)).Error(),
				fmt.Sprint(r.Header(http.Header{"X-A": {f}, "Authorization": {"Bearer " + f}})),
			}
			var buf bytes.Buffer
			slog.New(r.Handler(slog.NewJSONHandler(&buf, nil))).Info(f, "a", f, "u", u)
			outs = append(outs, buf.String())
			for _, o := range outs {
				for _, bad := range forms {
					if strings.Contains(o, bad) {
						t.Errorf("secret %q survived (as %q) in %q", s, bad, o)
					}
				}
			}
		}
	}
}

func TestConcurrent(t *testing.T) {
	r := New()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				r.Add(fmt.Sprintf("secret-%d-%d", g, i))
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				_ = r.URL("https://h/?token=x&v=secret-0-1")
				_ = r.Header(http.Header{"A": {"secret-1-1"}})
			}
		}()
	}
	wg.Wait()
	if got := r.String("secret-3-99"); got != "***" {
		t.Fatalf("got %q", got)
	}
}

// TestTextKeepsTrailingPunctuation: the ":" of "GET <url>: 404" (and a
// sentence's "." or ",") is text, not part of the last query value.
func TestTextKeepsTrailingPunctuation(t *testing.T) {
	r := New()
	tests := []struct{ in, want string }{
		{"GET https://h/p?api_key=abc: 404 Not Found", "GET https://h/p?api_key=***: 404 Not Found"},
		{"see https://h/p?token=abc.", "see https://h/p?token=***."},
		{"(https://h/p?token=abc), then", "(https://h/p?token=***), then"},
		{"GET https://h/p?page=2: 500", "GET https://h/p?page=2: 500"},
		{"https://h:8080/p?token=x;", "https://h:8080/p?token=***;"},
	}
	for _, tt := range tests {
		if got := r.Text(tt.in); got != tt.want {
			t.Errorf("Text(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestIsSensitiveKey(t *testing.T) {
	yes := []string{
		"api_key", "access_key", "accessKey", "AccessKey", "key", "X-Api-Key", "private_key",
		"token", "access_token", "X-Auth-Token", "refreshtoken", "secret", "client_secret",
		"password", "passwd", "pwd", "pass", "signature", "X-Amz-Signature", "sig", "auth",
		"X-Custom-Auth", "Authorization", "X-Amz-Credential", "credentials", "apikey",
		"session_id", "jwt", "hmac", "otp", "pin", "key_id",
	}
	no := []string{
		"page", "per_page", "monkey", "keyword", "author", "authors", "q", "since", "sort",
		"design", "signup", "limit", "cursor", "offset", "id", "passenger", "spinner", "keys",
		"Accept", "Content-Type", "User-Agent",
	}
	for _, k := range yes {
		if !IsSensitiveKey(k) {
			t.Errorf("IsSensitiveKey(%q) = false, want true", k)
		}
	}
	for _, k := range no {
		if IsSensitiveKey(k) {
			t.Errorf("IsSensitiveKey(%q) = true, want false", k)
		}
	}
	r := New()
	if got := r.URL("https://h/p?access_key=v1&X-Amz-Signature=v2&sig=v3&author=ann&monkey=1"); got != "https://h/p?access_key=***&X-Amz-Signature=***&sig=***&author=ann&monkey=1" {
		t.Errorf("URL: %s", got)
	}
}

// TestShortSecrets: a secret under MinSecretLen characters is masked where
// it sits as a whole value, never inside free text.
func TestShortSecrets(t *testing.T) {
	r := New("7", "ab")
	tests := []struct{ name, got, want string }{
		{"free text kept", r.Text("page 7 of 17, about 7 items"), "page 7 of 17, about 7 items"},
		{"query value", r.URL("https://h/p?page=17&v=7&w=ab&x=abc"), "https://h/p?page=17&v=***&w=***&x=abc"},
		{"path kept", r.URL("https://h/7/a7/ab?q=1"), "https://h/7/a7/ab?q=1"},
		{"userinfo", r.URL("https://ab@h/p"), "https://***@h/p"},
		{"host kept", r.URL("https://ab/p"), "https://ab/p"},
		{"in text URL", r.Text("GET https://h/p?v=7: 401 Unauthorized"), "GET https://h/p?v=***: 401 Unauthorized"},
		{"Value whole", r.Value("7"), Mask},
		{"Value part", r.Value("17"), "17"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	h := r.Header(http.Header{"X-Custom": {"7"}, "X-Scheme": {"Key ab"}, "X-Page": {"17"}})
	if h.Get("X-Custom") != Mask || h.Get("X-Scheme") != "Key "+Mask || h.Get("X-Page") != "17" {
		t.Errorf("Header: %v", h)
	}
	var buf bytes.Buffer
	slog.New(r.Handler(slog.NewTextHandler(&buf, nil))).Info("page 7", "value", "7", "n", "17")
	if got := buf.String(); !strings.Contains(got, `msg="page 7"`) || !strings.Contains(got, "value=***") || !strings.Contains(got, "n=17") {
		t.Errorf("log: %s", got)
	}
	if !r.Contains("7") || r.Contains("17") || !New("long-secret").Contains("x long-secret y") {
		t.Error("Contains")
	}
}

// FuzzText: whatever the text around it, a known secret never survives
// Text, URL or Header, and text without secrets or URLs comes back as is.
func FuzzText(f *testing.F) {
	f.Add("GET https://h/p?api_key=", "s3cr3t-value", ": 404")
	f.Add("x ", "p@ss w/rd+&=", " https://u:pw@h/a?b=c#d")
	f.Add("", "ünï", "")
	f.Fuzz(func(t *testing.T, before, secret, after string) {
		if utf8.RuneCountInString(secret) < MinSecretLen || !utf8.ValidString(secret) {
			return
		}
		r := New(secret)
		for _, in := range []string{before + secret + after, before + url.QueryEscape(secret) + after} {
			for _, out := range []string{r.Text(in), r.URL(in), fmt.Sprint(r.Header(http.Header{"X-A": {in}}))} {
				// (a secret made of stars may be rebuilt by the masks)
				if strings.Contains(out, secret) && !strings.Contains(secret, "*") {
					t.Fatalf("secret %q survived in %q (from %q)", secret, out, in)
				}
			}
		}
		plain := strings.ReplaceAll(before+after, "://", "")
		if got := New().Text(plain); got != plain {
			t.Fatalf("Text changed %q into %q", plain, got)
		}
	})
}

func TestWriter(t *testing.T) {
	var buf bytes.Buffer
	w := New(tok).Writer(&buf)
	fmt.Fprintf(w, "Pipeline %s stored in /data/%s.db\n", tok, tok)
	if err := json.NewEncoder(w).Encode(map[string]string{"db": "/data/" + tok + ".db", "u": "https://h/?token=abc"}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, tok) || strings.Contains(out, "abc") || !strings.Contains(out, "Pipeline *** stored in /data/***.db\n") {
		t.Fatalf("got %q", out)
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[1]), &m); err != nil || m["db"] != "/data/***.db" {
		t.Fatalf("JSON broken: %v %q", err, out)
	}
}
