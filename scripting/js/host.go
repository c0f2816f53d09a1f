package js

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dop251/goja"
	"github.com/sluicehq/sluice/hostapi"
)

// binding installs one function of hostapi.Functions on the host object
// of a runtime. bindings is keyed by hostapi.Function.Name; init checks
// that every function of the description has one, and the tests that
// every JS name of the description exists on `host`.
type binding func(b *binder)

// binder is what a binding needs: the runtime, the host API of the hook,
// and the objects host and host.kv.
type binder struct {
	rt       *goja.Runtime
	h        *hostapi.Host
	host, kv *goja.Object
}

var bindings = map[string]binding{
	"log": func(b *binder) {
		b.fn(b.host, "log", func(c goja.FunctionCall) goja.Value {
			level := b.str(c, 0, "host.log", "level")
			if err := b.h.Log(level, b.str(c, 1, "host.log", "msg")); err != nil {
				panic(b.rt.NewTypeError(err.Error()))
			}
			return goja.Undefined()
		})
	},
	"sha256": func(b *binder) {
		b.fn(b.host, "sha256", func(c goja.FunctionCall) goja.Value {
			return b.rt.ToValue(hostapi.Sha256(b.str(c, 0, "host.sha256", "s")))
		})
	},
	"hmac_sha256": func(b *binder) {
		b.fn(b.host, "hmacSha256", func(c goja.FunctionCall) goja.Value {
			key := b.str(c, 0, "host.hmacSha256", "key")
			return b.rt.ToValue(hostapi.HmacSha256(key, b.str(c, 1, "host.hmacSha256", "s")))
		})
	},
	"hmac_sha256_hex": func(b *binder) {
		b.fn(b.host, "hmacSha256Hex", func(c goja.FunctionCall) goja.Value {
			key := b.str(c, 0, "host.hmacSha256Hex", "hexKey")
			sum, err := hostapi.HmacSha256Hex(key, b.str(c, 1, "host.hmacSha256Hex", "s"))
			if err != nil {
				panic(b.rt.NewTypeError(err.Error()))
			}
			return b.rt.ToValue(sum)
		})
	},
	"base64": func(b *binder) {
		b.fn(b.host, "base64", func(c goja.FunctionCall) goja.Value {
			return b.rt.ToValue(hostapi.Base64(b.str(c, 0, "host.base64", "s")))
		})
	},
	"hex": func(b *binder) {
		b.fn(b.host, "hex", func(c goja.FunctionCall) goja.Value {
			return b.rt.ToValue(hostapi.Hex(b.str(c, 0, "host.hex", "s")))
		})
	},
	"now": func(b *binder) {
		b.fn(b.host, "now", func(goja.FunctionCall) goja.Value {
			return b.rt.ToValue(b.h.NowRFC3339())
		})
	},
	"config": func(b *binder) {
		_ = b.host.DefineDataProperty("config", toJS(b.rt, b.h.ConfigValue()), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	},
	"kv_get": func(b *binder) {
		b.fn(b.kv, "get", func(c goja.FunctionCall) goja.Value {
			v, ok := b.h.KVGet(b.str(c, 0, "host.kv.get", "key"))
			if !ok {
				return goja.Null()
			}
			return toJS(b.rt, v)
		})
	},
	"kv_set": func(b *binder) {
		b.fn(b.kv, "set", func(c goja.FunctionCall) goja.Value {
			key := b.str(c, 0, "host.kv.set", "key")
			v, err := fromJS(c.Argument(1))
			if err == nil {
				err = b.h.KVSet(key, v)
			}
			if err != nil {
				panic(b.rt.NewTypeError(err.Error()))
			}
			return goja.Undefined()
		})
	},
}

func init() {
	for _, f := range hostapi.Functions {
		if bindings[f.Name] == nil {
			panic("scripting/js: hostapi function " + f.Name + " has no JS binding")
		}
	}
}

// installHost defines the globals host (every binding) and console
// (log/debug → host.log debug, info, warn, error) in rt. The caller
// freezes them.
func installHost(rt *goja.Runtime, h *hostapi.Host) {
	b := &binder{rt: rt, h: h, host: rt.NewObject(), kv: rt.NewObject()}
	_ = b.host.DefineDataProperty("kv", b.kv, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	for _, f := range hostapi.Functions {
		bindings[f.Name](b)
	}
	_ = rt.GlobalObject().DefineDataProperty("host", b.host, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)

	console := rt.NewObject()
	for name, level := range map[string]string{"log": "debug", "debug": "debug", "info": "info", "warn": "warn", "error": "error"} {
		b.fn(console, name, func(c goja.FunctionCall) goja.Value {
			parts := make([]string, len(c.Arguments))
			for i, a := range c.Arguments {
				parts[i] = display(a)
			}
			_ = h.Log(level, strings.Join(parts, " "))
			return goja.Undefined()
		})
	}
	_ = rt.GlobalObject().DefineDataProperty("console", console, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
}

// fn defines a read-only method on o.
func (b *binder) fn(o *goja.Object, name string, f func(goja.FunctionCall) goja.Value) {
	_ = o.DefineDataProperty(name, b.rt.ToValue(f), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
}

// str returns argument i, which must be a string, or throws a TypeError
// naming the function and the parameter.
func (b *binder) str(c goja.FunctionCall, i int, fn, param string) string {
	a := c.Argument(i)
	s, ok := a.Export().(string)
	if !ok {
		panic(b.rt.NewTypeError(fmt.Sprintf("%s: %s must be a string, got %s", fn, param, typeName(a))))
	}
	return s
}

// display renders a console argument: strings as they are, other values
// as JSON where they are JSON, else as JS prints them.
func display(v goja.Value) string {
	if s, ok := v.Export().(string); ok {
		return s
	}
	if j, err := fromJS(v); err == nil {
		if out, err := json.Marshal(j); err == nil {
			return string(out)
		}
	}
	return v.String()
}

// typeName is what typeof would say, with null told apart.
func typeName(v goja.Value) string {
	switch {
	case v == nil || goja.IsUndefined(v):
		return "undefined"
	case goja.IsNull(v):
		return "null"
	}
	if o, ok := v.(*goja.Object); ok {
		if _, isFn := goja.AssertFunction(o); isFn {
			return "a function"
		}
		if o.ClassName() == "Array" {
			return "a list"
		}
		return "an object"
	}
	switch v.Export().(type) {
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int64, float64:
		return "a number"
	}
	return v.ExportType().String()
}
