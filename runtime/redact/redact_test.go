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
	r := New("abc", "abcdef")
	if got := r.String("xabcdefx abcx"); got != "x***x ***x" {
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
