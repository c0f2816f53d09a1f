package cel

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/runtime/extension"
)

// runaway is an expression that visits 10^8 elements: far more than any
// time limit or the default cost limit allows.
const runaway = `[0,1,2,3,4,5,6,7,8,9].all(a, [0,1,2,3,4,5,6,7,8,9].all(b, [0,1,2,3,4,5,6,7,8,9].all(c, [0,1,2,3,4,5,6,7,8,9].all(d,
	[0,1,2,3,4,5,6,7,8,9].all(e, [0,1,2,3,4,5,6,7,8,9].all(f, [0,1,2,3,4,5,6,7,8,9].all(g, [0,1,2,3,4,5,6,7,8,9].all(h, a + b + c + d + e + f + g + h + item.id >= 0))))))))`

// stepWithCostLimit builds a step as Parse and Build do, with another
// cost limit (0: none), so that the time limit can be seen on its own.
func stepWithCostLimit(t *testing.T, kind, src string, env *extension.Env, limit uint64) extension.Step {
	t.Helper()
	c, err := compile(varItem, src)
	if err != nil {
		t.Fatal(err)
	}
	p, err := build(c, nil, env, limit)
	if err != nil {
		t.Fatal(err)
	}
	return &step{kind: kind, p: p}
}

func TestTimeLimit(t *testing.T) {
	page := users(3)
	limit := 150 * time.Millisecond
	env := &extension.Env{Limits: extension.Limits{Timeout: limit}}
	st := stepWithCostLimit(t, "filter", runaway, env, 0)
	start := time.Now()
	_, err := st.Apply(context.Background(), page)
	took := time.Since(start)
	var se *extension.StepError
	var te *TimeoutError
	if !errors.As(err, &se) || se.Index != 0 || !errors.As(err, &te) || te.Limit != limit {
		t.Fatalf("error %v, want a timeout at record 1", err)
	}
	if took < limit || took > limit+time.Second { // unbounded, it would take minutes; the slack is for -race on a busy machine
		t.Fatalf("stopped after %v; the limit is %v", took, limit)
	}
	for _, want := range []string{"record 1", "time limit of 150ms", "limits: {timeout_ms: 300}"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// An expression without loops cannot run long on one record, so the limit
// is checked between records: a page too big for it stops part-way.
func TestTimeLimitBetweenRecords(t *testing.T) {
	page := users(50)
	for len(page) < 400_000 {
		page = append(page, page...)
	}
	env := &extension.Env{Limits: extension.Limits{Timeout: 30 * time.Millisecond}}
	st := newStep(t, "filter", `item.email.endsWith(".org") || item.name.startsWith("Ada")`, nil, env)
	_, err := st.Apply(context.Background(), page)
	var se *extension.StepError
	var te *TimeoutError
	if !errors.As(err, &se) || !errors.As(err, &te) || se.Index == 0 || se.Index >= len(page) {
		t.Fatalf("error %v, want a timeout part-way through the page", err)
	}
}

// The default time limit applies when the resource sets none.
func TestDefaultTimeLimit(t *testing.T) {
	st := stepWithCostLimit(t, "filter", `true`, nil, 0)
	if got := st.(*step).p.timeout; got != extension.DefaultHookTimeout {
		t.Fatalf("timeout %v, want %v", got, extension.DefaultHookTimeout)
	}
}

func TestCostLimit(t *testing.T) {
	st := newStep(t, "filter", runaway, nil, nil)
	start := time.Now()
	_, err := st.Apply(context.Background(), users(2))
	var ce *CostError
	var se *extension.StepError
	if !errors.As(err, &se) || !errors.As(err, &ce) || ce.Limit != DefaultCostLimit {
		t.Fatalf("error %v, want the cost limit", err)
	}
	if took := time.Since(start); took > 5*time.Second { // unbounded, it would take minutes
		t.Fatalf("the cost limit stopped the expression after %v", took)
	}
	if !strings.Contains(err.Error(), "cost limit of 1000000") {
		t.Fatalf("error %q", err)
	}
	// Growth without loops is bounded too: each replace multiplies the size by 25.
	st = newStep(t, "map", `{"n": item.email.replace("", item.email).replace("", item.email).replace("", item.email).replace("", item.email).replace("", item.email).size()}`, nil, nil)
	if _, err := st.Apply(context.Background(), users(1)); !errors.As(err, &ce) {
		t.Fatalf("error %v, want the cost limit", err)
	}
}

// A run that is cancelled (Ctrl-C) is not a failure of the record.
func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, src := range []string{`true`, runaway} {
		_, err := stepWithCostLimit(t, "filter", src, nil, 0).Apply(ctx, users(2))
		var se *extension.StepError
		if !errors.Is(err, context.Canceled) || errors.As(err, &se) {
			t.Fatalf("%.20s: error %v, want context.Canceled", src, err)
		}
	}
}

// Cost tracking is left out only where cel-go's estimate proves the limit
// cannot be reached.
func TestCostTrackingOnlyWhereNeeded(t *testing.T) {
	for _, tt := range []struct {
		src     string
		tracked bool
	}{
		{`item.id > 10 && item.isActive`, false},
		{`{"id": item.id * 10, "name": item.name}`, false},
		{`item.orders.exists(o, o.total > 10.0)`, true},
		{`item.name + item.name`, true},
		{runaway, true},
	} {
		c, err := compile(varItem, tt.src)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.maxCost > DefaultCostLimit; got != tt.tracked {
			t.Errorf("%.40s: tracked %v, want %v (estimate %d)", tt.src, got, tt.tracked, c.maxCost)
		}
	}
}
