package cel

import (
	"sync"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/ext"

	"github.com/sluicehq/sluice/hostapi"
)

// The variables an expression sees, by hook.
const (
	varItem     = "item"     // a processing step's record
	varValue    = "value"    // incremental.convert's value
	varResponse = "response" // a response action's {status, headers, body}
	varConfig   = "config"   // the hook's config: object, every hook
)

// MaxListRange caps lists.range(n) so that one call cannot allocate an
// unbounded list before the cost limit sees it.
const MaxListRange = 100_000

// baseEnv is the CEL environment every hook shares, without now(), whose
// binding depends on the resource's clock. cel.Env is safe for concurrent
// use; it is made once, on first use, because making it costs about a
// millisecond.
var baseEnv = sync.OnceValues(func() (*cel.Env, error) {
	return cel.NewEnv(
		cel.Variable(varConfig, cel.MapType(cel.StringType, cel.DynType)),
		cel.CrossTypeNumericComparisons(true),
		cel.DefaultUTCTimeZone(true),
		cel.OptionalTypes(),
		ext.Strings(),
		ext.Math(),
		ext.Lists(ext.ListsMaxRangeSize(MaxListRange)),
		ext.Sets(),
		pureHostFunctions(),
	)
})

// hookVars are the variables of each kind of hook besides config: a
// filter that names `response` is an error at validate, not at a record.
var hookVars = map[string]*cel.Type{
	varItem:     cel.DynType,
	varValue:    cel.DynType,
	varResponse: cel.MapType(cel.StringType, cel.DynType),
}

// checkEnvs are, per hook variable, baseEnv with that variable and a now()
// that reads the wall clock: what Parse type-checks against (it never
// evaluates).
var checkEnvs = sync.OnceValues(func() (map[string]*cel.Env, error) {
	out := map[string]*cel.Env{}
	for name := range hookVars {
		e, err := runEnv(name, time.Now)
		if err != nil {
			return nil, err
		}
		out[name] = e
	}
	return out, nil
})

// checkEnv returns the environment expressions over the variable name
// are checked in.
func checkEnv(name string) (*cel.Env, error) {
	envs, err := checkEnvs()
	if err != nil {
		return nil, err
	}
	return envs[name], nil
}

// runEnv returns the environment a hook over the variable name is built
// in: baseEnv with that variable and now() bound to clock.
func runEnv(name string, clock func() time.Time) (*cel.Env, error) {
	base, err := baseEnv()
	if err != nil {
		return nil, err
	}
	return base.Extend(cel.Variable(name, hookVars[name]), nowFunction(clock))
}

// pureHostFunctions declares the host API's pure functions under their
// hostapi.Functions CEL names (the test checks every CEL entry exists).
func pureHostFunctions() cel.EnvOption {
	str := cel.StringType
	unary := func(f func(string) string) cel.OverloadOpt {
		return cel.UnaryBinding(func(v ref.Val) ref.Val {
			s, ok := v.(types.String)
			if !ok {
				return types.MaybeNoSuchOverloadErr(v)
			}
			return types.String(f(string(s)))
		})
	}
	return cel.Lib(hostLib{opts: []cel.EnvOption{
		cel.Function("sha256", cel.Overload("sluice_sha256_string", []*cel.Type{str}, str, unary(hostapi.Sha256))),
		cel.Function("base64", cel.Overload("sluice_base64_string", []*cel.Type{str}, str, unary(hostapi.Base64))),
		cel.Function("hex", cel.Overload("sluice_hex_string", []*cel.Type{str}, str, unary(hostapi.Hex))),
		cel.Function("hmacSha256", cel.Overload("sluice_hmac_sha256_string_string", []*cel.Type{str, str}, str,
			cel.BinaryBinding(func(k, s ref.Val) ref.Val {
				ks, ok1 := k.(types.String)
				ss, ok2 := s.(types.String)
				if !ok1 || !ok2 {
					return types.NoSuchOverloadErr()
				}
				return types.String(hostapi.HmacSha256(string(ks), string(ss)))
			}))),
		cel.Function("hmacSha256Hex", cel.Overload("sluice_hmac_sha256_hex_string_string", []*cel.Type{str, str}, str,
			cel.BinaryBinding(func(k, s ref.Val) ref.Val {
				ks, ok1 := k.(types.String)
				ss, ok2 := s.(types.String)
				if !ok1 || !ok2 {
					return types.NoSuchOverloadErr()
				}
				out, err := hostapi.HmacSha256Hex(string(ks), string(ss))
				if err != nil {
					return types.NewErr("hmacSha256Hex: the key is not hex (give hex(key) for a plain key, or use hmacSha256)")
				}
				return types.String(out)
			}))),
	}})
}

// nowFunction declares now() with clock as its time source, in the form
// of hostapi.Host.NowRFC3339.
func nowFunction(clock func() time.Time) cel.EnvOption {
	h := &hostapi.Host{Now: clock}
	return cel.Function("now", cel.Overload("sluice_now", nil, cel.StringType,
		cel.FunctionBinding(func(...ref.Val) ref.Val { return types.String(h.NowRFC3339()) })))
}

// hostLib groups the host functions as a cel.Library.
type hostLib struct{ opts []cel.EnvOption }

func (l hostLib) CompileOptions() []cel.EnvOption { return l.opts }

func (hostLib) ProgramOptions() []cel.ProgramOption { return nil }
