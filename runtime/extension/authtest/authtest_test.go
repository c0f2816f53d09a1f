package authtest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/sluicehq/sluice/runtime/extension"
)

// recorder is a testing.TB that keeps what Check reports.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

type stop struct{}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(f string, a ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(f, a...))
}
func (r *recorder) Error(a ...any)            { r.Errorf("%s", fmt.Sprint(a...)) }
func (r *recorder) Fatalf(f string, a ...any) { r.Errorf(f, a...); panic(stop{}) }
func (r *recorder) Fatal(a ...any)            { r.Error(a...); panic(stop{}) }

// keyAuth sends X-Key; its flaws are switched on by the test.
type keyAuth struct {
	key                          string
	forget, moveHost, dropHeader bool
}

func (k *keyAuth) Authenticate(_ context.Context, req *extension.Request) error {
	if k.dropHeader {
		req.Header = http.Header{}
	}
	if k.moveHost {
		req.URL = strings.Replace(req.URL, "127.0.0.1", "localhost", 1)
	}
	req.Header.Set("X-Key", k.key)
	return nil
}

func (k *keyAuth) Secrets() []string {
	if k.forget {
		return nil
	}
	return []string{k.key}
}

func register(a *keyAuth) *extension.Registry[extension.Authenticator] {
	reg := extension.NewRegistry[extension.Authenticator]("auth")
	reg.Register("key", extension.Spec{Summary: "X-Key", Fields: []extension.Field{
		{Name: "key", Type: extension.TypeString, Required: true, Secret: true, Doc: "the key"}}},
		func(args *extension.Args) (extension.Builder[extension.Authenticator], error) {
			a.key = args.String("key", "")
			return extension.Ready[extension.Authenticator](a), nil
		})
	return reg
}

// TestCheckFindsFlaws: Check passes a correct auth and reports each flaw.
func TestCheckFindsFlaws(t *testing.T) {
	tests := []struct {
		name string
		auth *keyAuth
		want string
	}{
		{"correct", &keyAuth{}, ""},
		{"forgets its secret", &keyAuth{forget: true}, "Secrets() lacks the value of secret field key"},
		{"moves the host", &keyAuth{moveHost: true}, "changed the host"},
		{"drops headers", &keyAuth{dropHeader: true}, "lost a header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			func() {
				defer func() {
					if p := recover(); p != nil {
						if _, ok := p.(stop); !ok {
							panic(p)
						}
					}
				}()
				Check(rec, register(tt.auth), Case{Type: "key", Args: map[string]any{"key": "key-value-9"},
					Verify: func(r *http.Request) error {
						if r.Header.Get("X-Key") != "key-value-9" {
							return fmt.Errorf("X-Key = %q", r.Header.Get("X-Key"))
						}
						return nil
					}})
			}()
			all := strings.Join(rec.errs, "\n")
			if tt.want == "" && all != "" {
				t.Fatalf("a correct auth failed:\n%s", all)
			}
			if tt.want != "" && !strings.Contains(all, tt.want) {
				t.Fatalf("Check did not report %q; it reported:\n%s", tt.want, all)
			}
		})
	}
}
