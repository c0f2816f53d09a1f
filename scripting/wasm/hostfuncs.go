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

func instantiateHost(ctx context.Context, rt wazero.Runtime) error {
	levels := hostapi.Levels
	_, err := rt.NewHostModuleBuilder("sluice_v1").
		NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module, level, p, n uint32) {
		s, ok := readString(m, p, n)
		if !ok {
			return
		}
		if level >= uint32(len(levels)) {
			level = uint32(len(levels) - 1)
		}
		_ = hostOf(ctx).Log(levels[level], s)
	}).Export("log").
		NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module, p, n, out uint32) {
		if s, ok := readString(m, p, n); ok {
			writeFixed(m, out, hostapi.Sha256(s))
		}
	}).Export("sha256").
		NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module, kp, kn, p, n, out uint32) {
		k, ok1 := readString(m, kp, kn)
		s, ok2 := readString(m, p, n)
		if ok1 && ok2 {
			writeFixed(m, out, hostapi.HmacSha256(k, s))
		}
	}).Export("hmac_sha256").
		NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module, kp, kn, p, n, out uint32) int32 {
		k, ok1 := readString(m, kp, kn)
		s, ok2 := readString(m, p, n)
		if !ok1 || !ok2 {
			return errBadInput
		}
		h, err := hostapi.HmacSha256Hex(k, s)
		if err != nil {
			return errBadInput
		}
		writeFixed(m, out, h)
		return 64
	}).Export("hmac_sha256_hex").
		NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module, p, n, out, c uint32) int32 {
		s, ok := readString(m, p, n)
		if !ok {
			return errBadInput
		}
		return writeVar(m, out, c, hostapi.Base64(s))
	}).Export("base64").
		NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module, p, n, out, c uint32) int32 {
		s, ok := readString(m, p, n)
		if !ok {
			return errBadInput
		}
		return writeVar(m, out, c, hostapi.Hex(s))
	}).Export("hex").
		NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module, out uint32) {
		writeFixed(m, out, hostOf(ctx).NowRFC3339())
	}).Export("now").
		NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module, kp, kn, out, c uint32) int32 {
		k, ok := readString(m, kp, kn)
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
		return writeVar(m, out, c, string(b))
	}).Export("kv_get").
		NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module, kp, kn, vp, vn uint32) int32 {
		k, ok1 := readString(m, kp, kn)
		s, ok2 := readString(m, vp, vn)
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
	}).Export("kv_set").
		NewFunctionBuilder().WithFunc(func(ctx context.Context, index uint32) {
		if in, ok := ctx.Value(hostKey{}).(*instance); ok {
			in.at = index
		}
	}).Export("at").
		Instantiate(ctx)
	if err != nil {
		return errors.Join(errors.New("instantiating the sluice_v1 host module"), err)
	}
	return nil
}
