package cel

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/hostapi"
	"github.com/sluicehq/sluice/runtime/extension"
)

// Every CEL entry of the host API's description exists here, under that
// name.
func TestHostFunctionsDescribedExist(t *testing.T) {
	env, err := checkEnv(varItem)
	if err != nil {
		t.Fatal(err)
	}
	var vars []string
	for _, v := range env.Variables() {
		vars = append(vars, v.Name())
	}
	n := 0
	for _, f := range hostapi.Functions {
		if f.CEL == "" {
			continue
		}
		n++
		name, isCall := strings.CutSuffix(f.CEL, ")")
		if isCall {
			name, _, _ = strings.Cut(name, "(")
			if !env.HasFunction(name) {
				t.Errorf("hostapi.Functions names %s for CEL; it is not declared", f.CEL)
			}
		} else if !slices.Contains(vars, name) {
			t.Errorf("hostapi.Functions names the variable %s for CEL; it is not declared", f.CEL)
		}
	}
	if n < 7 {
		t.Fatalf("only %d CEL entries in hostapi.Functions", n)
	}
}

func TestHostFunctions(t *testing.T) {
	env := &extension.Env{Now: fixedClock}
	config := map[string]any{"key": "Jefe", "prefix": "u-", "n": 3, "list": []any{"a", 2}}
	rec := map[string]any{"id": int64(7), "msg": "what do ya want for nothing?", "name": "user:pass"}
	hexKey := hostapi.Hex("Jefe")
	tests := []struct {
		src  string
		want any
	}{
		{`sha256("abc")`, hostapi.Sha256("abc")},
		{`hmacSha256(config.key, item.msg)`, hostapi.HmacSha256("Jefe", rec["msg"].(string))},
		{`hmacSha256Hex("` + hexKey + `", item.msg)`, hostapi.HmacSha256("Jefe", rec["msg"].(string))},
		{`hmacSha256Hex(hex(config.key), item.msg) == hmacSha256(config.key, item.msg)`, true},
		{`base64(item.name)`, "dXNlcjpwYXNz"},
		{`hex("hi!")`, "686921"},
		{`now()`, "2024-05-01T12:00:00.250Z"},
		{`timestamp(now()) > timestamp("2024-01-01T00:00:00Z")`, true},
		{`config.prefix + string(item.id)`, "u-7"},
		{`config.n * item.id`, int64(21)},
		{`config.list`, []any{"a", int64(2)}},
		{`"missing" in config`, false},
	}
	for _, tt := range tests {
		st := newStep(t, "map", `{"v": `+tt.src+`}`, config, env)
		got, err := st.Apply(context.Background(), []any{rec})
		if err != nil {
			t.Errorf("%s: %v", tt.src, err)
			continue
		}
		if v := got[0].(map[string]any)["v"]; !equalJSON(v, tt.want) {
			t.Errorf("%s = %#v, want %#v", tt.src, v, tt.want)
		}
	}
}

// now() follows the clock: it is evaluated at each call, not folded.
func TestNowIsLive(t *testing.T) {
	tick := fixedClock()
	env := &extension.Env{Now: func() time.Time { tick = tick.Add(time.Second); return tick }}
	st := newStep(t, "map", `{"at": now()}`, nil, env)
	a, _ := st.Apply(context.Background(), []any{map[string]any{}})
	b, _ := st.Apply(context.Background(), []any{map[string]any{}})
	if field(a[0], "at") == field(b[0], "at") {
		t.Fatalf("now() gave %v twice", field(a[0], "at"))
	}
}

// A config absent is an empty object.
func TestNoConfig(t *testing.T) {
	got, err := newStep(t, "map", `{"n": size(config)}`, nil, nil).Apply(context.Background(), []any{map[string]any{}})
	if err != nil || field(got[0], "n") != int64(0) {
		t.Fatalf("%v, %v", got, err)
	}
}

func equalJSON(a, b any) bool {
	return fmt.Sprintf("%#v", a) == fmt.Sprintf("%#v", b)
}
