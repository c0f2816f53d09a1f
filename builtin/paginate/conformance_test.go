package paginate

import (
	"context"
	"testing"

	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/httpclient"
)

// maxChain stops a paginator that never ends.
const maxChain = 50

// RunChain walks the chain that p produces from start, sending each
// request through a real httpclient, and returns the URLs requested (query
// included), in order. The record count handed to Next is the length of
// the body's "data" list, or of the body itself when it is a list. It fails
// the test on any error and when the chain exceeds maxChain pages.
//
// It is the conformance walk every paginator test uses, whatever the
// implementation (built-in, JavaScript or WASM).
func RunChain(t testing.TB, p extension.Paginator, start *extension.Request) []string {
	t.Helper()
	c := httpclient.New(httpclient.Options{Retry: &httpclient.RetryPolicy{MaxAttempts: 1, Timeout: httpclient.DefaultTimeout}, UserAgent: "sluice/test"})
	req := start.Clone()
	if err := p.Init(req); err != nil {
		t.Fatalf("Init: %v", err)
	}
	var urls []string
	for {
		if len(urls) == maxChain {
			t.Fatalf("chain longer than %d pages: %v", maxChain, urls)
		}
		full, err := req.FullURL()
		if err != nil {
			t.Fatalf("page %d: %v", len(urls)+1, err)
		}
		urls = append(urls, full)
		resp, err := c.Do(context.Background(), req, nil)
		if err != nil {
			t.Fatalf("page %d: %v", len(urls), err)
		}
		more, err := p.Next(resp, countRecords(t, resp), req)
		if err != nil {
			t.Fatalf("Next after page %d: %v", len(urls), err)
		}
		if !more {
			return urls
		}
	}
}

func countRecords(t testing.TB, resp *extension.Response) int {
	body, err := resp.JSON()
	if err != nil {
		t.Fatalf("decoding %s: %v", resp.URL, err)
	}
	switch b := body.(type) {
	case []any:
		return len(b)
	case map[string]any:
		if d, ok := b["data"].([]any); ok {
			return len(d)
		}
	}
	return 0
}

// newPaginator builds typ from args through a registry, as the engine
// does.
func newPaginator(t testing.TB, typ string, args map[string]any) extension.Paginator {
	t.Helper()
	reg := extension.NewRegistry[extension.Paginator]("paginator")
	Register(reg)
	p, err := reg.New(typ, args)
	if err != nil {
		t.Fatalf("%s %v: %v", typ, args, err)
	}
	return p
}
