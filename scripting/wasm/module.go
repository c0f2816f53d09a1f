package wasm

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// ABIVersion is the version of the sluice ABI this engine speaks.
const ABIVersion = 1

// DefaultMemoryBytes caps an instance's memory when the resource's
// limits.memory_mb does not say otherwise.
const DefaultMemoryBytes = 64 << 20

// pageSize is a WASM memory page.
const pageSize = 64 << 10

// The compilation caches, one per folder: wazero keeps compiled modules
// there between runs, so a run compiles a module in milliseconds instead
// of a second. A run's folder is extension.Env.CacheDir (under the
// pipelines folder); `validate`, which has no run, uses
// os.UserCacheDir()/sluice/wasm.
var (
	cachesMu sync.Mutex
	caches   = map[string]wazero.CompilationCache{}
)

// compilationCache returns the cache in dir's wasm folder (the user's
// cache folder when dir is empty); nil when there is none.
func compilationCache(dir string) wazero.CompilationCache {
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return nil
		}
		dir = filepath.Join(base, "sluice")
	}
	dir = filepath.Join(dir, "wasm")
	cachesMu.Lock()
	defer cachesMu.Unlock()
	if c, ok := caches[dir]; ok {
		return c
	}
	c, err := wazero.NewCompilationCacheWithDir(dir)
	if err != nil {
		c = nil
	}
	caches[dir] = c
	return c
}

// module is a compiled module in a runtime of its own (one per memory
// limit), shared by every hook built from the same bytes.
type module struct {
	key      moduleKey
	name     string // the module's file name, for messages
	rt       wazero.Runtime
	compiled wazero.CompiledModule
	exports  map[string]api.FunctionDefinition
	refs     int
}

type moduleKey struct {
	sum   [32]byte
	pages uint32
}

var (
	modulesMu sync.Mutex
	modules   = map[moduleKey]*module{}
)

// loadModule reads and compiles the module at path with the memory limit
// memBytes, or returns the one already compiled from the same bytes. The
// caller releases it.
func loadModule(ctx context.Context, path string, memBytes int64, cacheDir string) (*module, error) {
	bin, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("wasm module %s: %w", path, err)
	}
	if memBytes <= 0 {
		memBytes = DefaultMemoryBytes
	}
	pages := uint32(min((memBytes+pageSize-1)/pageSize, 65536))
	key := moduleKey{sum: sha256.Sum256(bin), pages: pages}
	modulesMu.Lock()
	defer modulesMu.Unlock()
	if m, ok := modules[key]; ok {
		m.refs++
		return m, nil
	}
	cfg := wazero.NewRuntimeConfig().
		WithMemoryLimitPages(pages).
		WithCloseOnContextDone(true)
	if c := compilationCache(cacheDir); c != nil {
		cfg = cfg.WithCompilationCache(c)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	fail := func(err error) (*module, error) {
		_ = rt.Close(ctx)
		return nil, fmt.Errorf("wasm module %s: %w", filepath.Base(path), err)
	}
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		return fail(err)
	}
	if err := instantiateHost(ctx, rt); err != nil {
		return fail(err)
	}
	compiled, err := rt.CompileModule(ctx, bin)
	if err != nil {
		return fail(fmt.Errorf("not a WebAssembly module sluice can load (limits.memory_mb may be below what it needs): %w", err))
	}
	m := &module{key: key, name: filepath.Base(path), rt: rt, compiled: compiled,
		exports: compiled.ExportedFunctions(), refs: 1}
	modules[key] = m
	return m, nil
}

// release drops a reference; the last one closes the runtime.
func (m *module) release() {
	modulesMu.Lock()
	defer modulesMu.Unlock()
	m.refs--
	if m.refs == 0 {
		delete(modules, m.key)
		_ = m.rt.Close(context.Background())
	}
}

// exportFor is the export a hook calls.
func exportFor(hook string) string {
	switch hook {
	case "map", "filter", "flat_map":
		return "sluice_step"
	case "paginator":
		return "sluice_paginate"
	case "auth":
		return "sluice_auth"
	case "response":
		return "sluice_response"
	case "convert":
		return "sluice_convert"
	}
	return ""
}

// required are the exports every sluice module has.
var required = []string{"sluice_abi", "sluice_alloc", "sluice_free", "sluice_describe", "sluice_init"}

// checkExports checks what can be checked without running the module.
func (m *module) checkExports() error {
	if _, ok := m.exports["sluice_abi"]; !ok {
		return fmt.Errorf("wasm module %s does not speak the sluice ABI (no sluice_abi export); this sluice speaks version %d: build it with the hostapi/guest package", m.name, ABIVersion)
	}
	for _, e := range required {
		if _, ok := m.exports[e]; !ok {
			return fmt.Errorf("wasm module %s lacks the export %s that ABI %d requires", m.name, e, ABIVersion)
		}
	}
	if _, ok := m.exports["_start"]; ok {
		if _, ok := m.exports["_initialize"]; !ok {
			return fmt.Errorf("wasm module %s is a command (it has _start), not a reactor: build it with -buildmode=c-shared", m.name)
		}
	}
	return nil
}

// checkHookExport checks that the module exports what hook calls.
func (m *module) checkHookExport(hook string) error {
	if e := exportFor(hook); e != "" {
		if _, ok := m.exports[e]; !ok {
			return fmt.Errorf("wasm module %s does not implement %s %s (no %s export)", m.name, article(hook), hook, e)
		}
	}
	return nil
}

func article(hook string) string {
	if hook == "auth" {
		return "an"
	}
	return "a"
}
