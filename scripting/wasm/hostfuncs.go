package wasm

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/sluicehq/sluice/hostapi"
	"github.com/sluicehq/sluice/runtime/jsondec"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// The sluice_v1 imports: hostapi.Functions, function for function. Each
// reads the calling instance's host from the call's context.

type hostKey struct{}

// Results of the variable-length imports below zero.
const (
	errBadInput   = -1
	errNotAllowed = -2
	errTooLarge   = -3
)

func hostOf(ctx context.Context) *hostapi.Host {
	if in, ok := ctx.Value(hostKey{}).(*instance); ok && in.host != nil {
		return in.host
	}
	return &hostapi.Host{}
}

// readBytes returns the guest's bytes in place (valid until the guest
// runs again).
func readBytes(m api.Module, p, n uint32) ([]byte, bool) {
	if n == 0 {
		return nil, true
	}
	return m.Memory().Read(p, n)
}

func readString(m api.Module, p, n uint32) (string, bool) {
	if n == 0 {
		return "", true
	}
	b, ok := m.Memory().Read(p, n)
	if !ok {
		return "", false
	}
	return string(b), true
}

// writeVar writes s at out when it fits in c and returns its length.
func writeVar(m api.Module, out, c uint32, s string) int32 {
	if len(s) > 1<<30 {
		return errTooLarge
	}
	if uint32(len(s)) <= c && len(s) > 0 {
		if !m.Memory().WriteString(out, s) {
			return errBadInput
		}
	}
	return int32(len(s))
}

func writeFixed(m api.Module, out uint32, s string) {
	m.Memory().WriteString(out, s) // a bad pointer writes nothing
}

var kvDecoder = jsondec.New()

// hostFunc is one sluice_v1 import: its i32 parameters and results, and
// the function, called with the parameters in stack and writing its
// results there (wazero's GoModuleFunc: no reflection on the hot path,
// where WithFunc costs a reflect call and a dozen allocations per call).
type hostFunc struct {
	name            string
	params, results int
	fn              func(ctx context.Context, m api.Module, a []uint32) int32
}

func i32s(n int) []api.ValueType {
	t := make([]api.ValueType, n)
	for i := range t {
		t[i] = api.ValueTypeI32
	}
	return t
}

// hostFuncs are the imports, hostapi.Functions function for function.
func hostFuncs() []hostFunc {
	levels := hostapi.Levels
	return []hostFunc{
		{"log", 3, 0, func(ctx context.Context, m api.Module, a []uint32) int32 {
			level, p, n := a[0], a[1], a[2]
			if s, ok := readString(m, p, n); ok {
				if level >= uint32(len(levels)) {
					level = uint32(len(levels) - 1)
				}
				_ = hostOf(ctx).Log(levels[level], s)
			}
			return 0
		}},
		{"sha256", 3, 0, func(ctx context.Context, m api.Module, a []uint32) int32 {
			if b, ok := readBytes(m, a[0], a[1]); ok {
				var h [64]byte
				m.Memory().Write(a[2], hostapi.AppendSha256(h[:0], b)) // a bad pointer writes nothing
			}
			return 0
		}},
		{"hmac_sha256", 5, 0, func(ctx context.Context, m api.Module, a []uint32) int32 {
			k, ok1 := readString(m, a[0], a[1])
			s, ok2 := readString(m, a[2], a[3])
			if ok1 && ok2 {
				writeFixed(m, a[4], hostapi.HmacSha256(k, s))
			}
			return 0
		}},
		{"hmac_sha256_hex", 5, 1, func(ctx context.Context, m api.Module, a []uint32) int32 {
			k, ok1 := readString(m, a[0], a[1])
			s, ok2 := readString(m, a[2], a[3])
			if !ok1 || !ok2 {
				return errBadInput
			}
			h, err := hostapi.HmacSha256Hex(k, s)
			if err != nil {
				return errBadInput
			}
			writeFixed(m, a[4], h)
			return 64
		}},
		{"base64", 4, 1, func(ctx context.Context, m api.Module, a []uint32) int32 {
			s, ok := readString(m, a[0], a[1])
			if !ok {
				return errBadInput
			}
			return writeVar(m, a[2], a[3], hostapi.Base64(s))
		}},
		{"hex", 4, 1, func(ctx context.Context, m api.Module, a []uint32) int32 {
			s, ok := readString(m, a[0], a[1])
			if !ok {
				return errBadInput
			}
			return writeVar(m, a[2], a[3], hostapi.Hex(s))
		}},
		{"now", 1, 0, func(ctx context.Context, m api.Module, a []uint32) int32 {
			writeFixed(m, a[0], hostOf(ctx).NowRFC3339())
			return 0
		}},
		{"kv_get", 4, 1, func(ctx context.Context, m api.Module, a []uint32) int32 {
			k, ok := readString(m, a[0], a[1])
			if !ok {
				return errBadInput
			}
			v, found := hostOf(ctx).KVGet(k)
			if !found {
				return -1
			}
			b, err := json.Marshal(v)
			if err != nil {
				return errBadInput
			}
			return writeVar(m, a[2], a[3], string(b))
		}},
		{"kv_set", 4, 1, func(ctx context.Context, m api.Module, a []uint32) int32 {
			k, ok1 := readString(m, a[0], a[1])
			s, ok2 := readString(m, a[2], a[3])
			if !ok1 || !ok2 {
				return errBadInput
			}
			if len(k) == 0 || len(k) > hostapi.MaxKeyBytes || len(s) > hostapi.MaxValueBytes {
				return errTooLarge
			}
			v, err := kvDecoder.Decode([]byte(s))
			if err != nil {
				return errBadInput
			}
			if err := hostOf(ctx).KVSet(k, v); err != nil {
				return errNotAllowed
			}
			return 0
		}},
		{"at", 1, 0, func(ctx context.Context, m api.Module, a []uint32) int32 {
			if in, ok := ctx.Value(hostKey{}).(*instance); ok {
				in.at = a[0]
			}
			return 0
		}},
	}
}

func instantiateHost(ctx context.Context, rt wazero.Runtime) error {
	b := rt.NewHostModuleBuilder("sluice_v1")
	for _, h := range hostFuncs() {
		h := h
		b = b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, m api.Module, stack []uint64) {
			var a [5]uint32
			for i := range h.params {
				a[i] = api.DecodeU32(stack[i])
			}
			r := h.fn(ctx, m, a[:h.params])
			if h.results > 0 {
				stack[0] = api.EncodeI32(r)
			}
		}), i32s(h.params), i32s(h.results)).Export(h.name)
	}
	if _, err := b.Instantiate(ctx); err != nil {
		return errors.Join(errors.New("instantiating the sluice_v1 host module"), err)
	}
	return nil
}
