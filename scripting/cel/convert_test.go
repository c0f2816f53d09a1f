package cel

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/runtime/extension"
)

func TestConvert(t *testing.T) {
	reg := registries(t)
	tests := []struct {
		src    string
		config map[string]any
		in     any
		want   any
	}{
		{`int(timestamp(value))`, nil, "2024-05-01T12:00:00Z", int64(1714564800)},
		{`string(int(timestamp(value)) * 1000)`, nil, "2024-05-01T12:00:00Z", "1714564800000"},
		{`value.substring(0, 10)`, nil, "2024-05-01T12:00:00Z", "2024-05-01"},
		{`value + config.step`, map[string]any{"step": 100}, int64(5), int64(105)},
		{`string(timestamp(int(value)))`, nil, int64(1714564800), "2024-05-01T12:00:00Z"},
		{`{"since": value}`, nil, "x", map[string]any{"since": "x"}},
	}
	for _, tt := range tests {
		args := map[string]any{"source": tt.src}
		if tt.config != nil {
			args["config"] = tt.config
		}
		c, err := reg.Converts.New(context.Background(), Type, args, nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.src, err)
		}
		got, err := c.Convert(context.Background(), tt.in)
		if err != nil || !equalJSON(got, tt.want) {
			t.Errorf("%s(%v) = %#v, %v; want %#v", tt.src, tt.in, got, err, tt.want)
		}
	}
}

func TestConvertErrors(t *testing.T) {
	reg := registries(t)
	for _, tt := range []struct {
		src string
		in  any
		msg string
	}{
		{`int(timestamp(value))`, "yesterday", "the CEL expression failed"},
		{`null`, "x", "an incremental value cannot be null"},
		{`value.size() > 0 ? dyn(value) : dyn(1u)`, "", ""},
	} {
		c, err := reg.Converts.New(context.Background(), Type, map[string]any{"source": tt.src}, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Convert(context.Background(), tt.in)
		if tt.msg == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.src, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s(%v): error %v, want %q", tt.src, tt.in, err, tt.msg)
		}
	}
	for _, src := range []string{"value +", "item.id"} {
		_, err := reg.Converts.Parse(Type, map[string]any{"source": src})
		var ae *extension.ArgError
		if !errors.As(err, &ae) || ae.Field != "source" {
			t.Fatalf("%s gave %v", src, err)
		}
	}
}
