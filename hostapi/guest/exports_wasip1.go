//go:build wasip1

package guest

import (
	"runtime"
	"runtime/debug"
	"unsafe"
)

// live keeps the buffers the host holds (inputs it wrote, results it has
// not copied yet) reachable until sluice_free.
var live = map[uint32][]byte{}

// sinceGC counts the bytes allocated for the host since the last
// collection.
var sinceGC int

// The collector is off during calls (a Go guest's GC is slow under the
// host's deadline checks, and never runs between calls on its own):
// sluice_gc, which the host calls after about 1 MiB of input, collects,
// and the memory limit below makes the runtime collect before a page
// could exhaust the instance's memory.

// softLimit is the heap size at which the runtime collects during a call.
const softLimit = 40 << 20

func init() {
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(softLimit)
}

func pin(b []byte) uint32 {
	p := uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
	live[p] = b
	return p
}

func input(p, n uint32) []byte {
	b := live[p]
	if int(n) > len(b) {
		return nil
	}
	return b[:n]
}

func result(b []byte) uint64 {
	if len(b) == 0 {
		return 0
	}
	return uint64(pin(b))<<32 | uint64(len(b))
}

//go:wasmexport sluice_abi
func sluiceABI() uint32 { return 1 }

//go:wasmexport sluice_alloc
func sluiceAlloc(size uint32) uint32 {
	sinceGC += int(size)
	return pin(make([]byte, max(size, 1)))
}

//go:wasmexport sluice_free
func sluiceFree(p uint32) { delete(live, p) }

//go:wasmexport sluice_gc
func sluiceGC() {
	sinceGC = 0
	runtime.GC()
}

//go:wasmexport sluice_describe
func sluiceDescribe() uint64 { return result(handleDescribe()) }

//go:wasmexport sluice_init
func sluiceInit(p, n uint32) uint64 { return result(handleInit(input(p, n))) }

//go:wasmexport sluice_step
func sluiceStep(p, n uint32) uint64 { return result(handleStep(input(p, n))) }

//go:wasmexport sluice_paginate
func sluicePaginate(p, n uint32) uint64 { return result(handlePaginate(input(p, n))) }

//go:wasmexport sluice_auth
func sluiceAuth(p, n uint32) uint64 { return result(handleAuth(input(p, n))) }

//go:wasmexport sluice_response
func sluiceResponse(p, n uint32) uint64 { return result(handleResponse(input(p, n))) }

//go:wasmexport sluice_convert
func sluiceConvert(p, n uint32) uint64 { return result(handleConvert(input(p, n))) }
