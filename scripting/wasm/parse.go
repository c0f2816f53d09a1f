package wasm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sluicehq/sluice/hostapi"
	"github.com/sluicehq/sluice/runtime/extension"
)

// HookDir is an optional argument of every wasm hook: the folder a
// relative module path is resolved against at parse time (validate passes
// the pipeline file's folder). Build always resolves against Env.Dir.
const HookDir = "dir"

// moduleFields are the spec fields every wasm hook shares.
func moduleFields(configDoc string) []extension.Field {
	return []extension.Field{
		{Name: extension.HookModule, Type: extension.TypeString, Required: true,
			Doc: "path of the .wasm module (sluice ABI 1), relative to the pipeline file's folder"},
		{Name: extension.HookConfig, Type: extension.TypeObject,
			Doc: configDoc},
		{Name: HookDir, Type: extension.TypeString,
			Doc: "the folder a relative module path is checked against by validate (the pipeline file's; set by the engine, not in YAML)"},
	}
}

// hookArgs is the parsed, checked form every wasm hook shares.
type hookArgs struct {
	hook   string // map, filter, flat_map, paginator, auth, response, convert
	module string
	config map[string]any
}

// parseHook reads module, config and dir, and checks the module when it
// can be found: that it exists, speaks ABI 1 and describes the hook. A
// relative path with no dir that is not found from the current folder is
// left to Build, which resolves it against the pipeline's folder.
// parseBuilder parses a hook's arguments and returns the builder that
// starts its instance pool and wraps it as the extension point's value:
// what every wasm extension point's Parse does.
func parseBuilder[T any](args *extension.Args, hook string, wrap func(h hookArgs, p *pool) T) (extension.Builder[T], error) {
	h := parseHook(args, hook)
	if err := args.Err(); err != nil {
		return nil, err
	}
	return extension.BuilderFunc[T](func(ctx context.Context, env *extension.Env) (T, error) {
		p, err := h.build(ctx, env)
		if err != nil {
			var zero T
			return zero, err
		}
		return wrap(h, p), nil
	}), nil
}

func parseHook(args *extension.Args, hook string) hookArgs {
	h := hookArgs{hook: hook}
	h.module = args.String(extension.HookModule, "")
	h.config = args.Map(extension.HookConfig)
	dir, _ := args.OptString(HookDir)
	if h.config != nil {
		if _, err := json.Marshal(h.config); err != nil {
			args.Fail(extension.HookConfig, "is not JSON: %v", err)
		}
	}
	if h.module == "" {
		args.Fail(extension.HookModule, "is required: the path of a .wasm module")
		return h
	}
	path, certain := h.module, true
	if !filepath.IsAbs(path) {
		if dir != "" {
			path = filepath.Join(dir, path)
		} else {
			certain = false
		}
	}
	if _, err := os.Stat(path); err != nil {
		if certain || !errors.Is(err, os.ErrNotExist) {
			args.Fail(extension.HookModule, "%s: no such file (build it, e.g. with `make wasm-samples`)", path)
		}
		return h
	}
	if hook == "" {
		return h
	}
	if err := inspect(context.Background(), path, hook); err != nil {
		args.Fail(extension.HookModule, "%v", err)
	}
	return h
}

// inspect compiles the module (through the shared cache) and checks its
// ABI version and that sluice_describe lists hook, on an instance that
// runs nothing else.
func inspect(ctx context.Context, path, hook string) error {
	m, err := loadModule(ctx, path, 0, "")
	if err != nil {
		return err
	}
	defer m.release()
	return verify(ctx, m, hook)
}

// verify checks exports, ABI version and description on a fresh instance.
func verify(ctx context.Context, m *module, hook string) error {
	if err := m.checkExports(); err != nil {
		return err
	}
	host := &hostapi.Host{}
	in, err := newInstance(ctx, m, host, &cappedLog{logger: nil}, extension.DefaultHookTimeout)
	if err != nil {
		return err
	}
	defer in.close()
	v, err := in.abi(ctx)
	if err != nil {
		return fmt.Errorf("wasm module %s: sluice_abi: %w", m.name, explain(err, extension.DefaultHookTimeout))
	}
	if v != ABIVersion {
		return fmt.Errorf("wasm module %s speaks sluice ABI %d; this sluice speaks ABI %d: rebuild it with this sluice's hostapi/guest package", m.name, v, ABIVersion)
	}
	if err := m.checkHookExport(hook); err != nil {
		return err
	}
	out, err := in.call(ctx, "sluice_describe", nil, extension.DefaultHookTimeout)
	if err != nil {
		return fmt.Errorf("wasm module %s: sluice_describe: %w", m.name, err)
	}
	var d struct {
		Name  string   `json:"name"`
		Hooks []string `json:"hooks"`
	}
	if err := json.Unmarshal(out, &d); err != nil {
		return fmt.Errorf("wasm module %s: sluice_describe returned no description: %w", m.name, err)
	}
	if !slices.Contains(d.Hooks, hook) {
		has := "none"
		if len(d.Hooks) > 0 {
			has = strings.Join(d.Hooks, ", ")
		}
		return fmt.Errorf("wasm module %s does not implement %s %s (it implements: %s)", m.name, article(hook), hook, has)
	}
	return nil
}

// build resolves the module against env.Dir, loads it with the
// resource's memory limit, verifies it and starts the hook's pool.
func (h hookArgs) build(ctx context.Context, env *extension.Env) (*pool, error) {
	path := h.module
	if !filepath.IsAbs(path) && env.Dir != "" {
		path = filepath.Join(env.Dir, path)
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("wasm %s: module %s: no such file (build it, e.g. with `make wasm-samples`)", h.hook, path)
	}
	m, err := loadModule(ctx, path, env.Limits.MemoryBytes, env.CacheDir)
	if err != nil {
		return nil, err
	}
	if err := verify(ctx, m, h.hook); err != nil {
		m.release()
		return nil, err
	}
	p, err := newPool(ctx, m, h.hook, h.config, env)
	if err != nil {
		m.release()
		return nil, err
	}
	return p, nil
}
