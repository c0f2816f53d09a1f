//go:build wasip1

package guest

import (
	"errors"
	"unsafe"
)

//go:wasmimport sluice_v1 log
func hostLog(level uint32, p unsafe.Pointer, n uint32)

//go:wasmimport sluice_v1 sha256
func hostSha256(p unsafe.Pointer, n uint32, out unsafe.Pointer)

//go:wasmimport sluice_v1 hmac_sha256
func hostHmacSha256(kp unsafe.Pointer, kn uint32, p unsafe.Pointer, n uint32, out unsafe.Pointer)

//go:wasmimport sluice_v1 hmac_sha256_hex
func hostHmacSha256Hex(kp unsafe.Pointer, kn uint32, p unsafe.Pointer, n uint32, out unsafe.Pointer) int32

//go:wasmimport sluice_v1 base64
func hostBase64(p unsafe.Pointer, n uint32, out unsafe.Pointer, c uint32) int32

//go:wasmimport sluice_v1 hex
func hostHex(p unsafe.Pointer, n uint32, out unsafe.Pointer, c uint32) int32

//go:wasmimport sluice_v1 now
func hostNow(out unsafe.Pointer)

//go:wasmimport sluice_v1 kv_get
func hostKVGet(kp unsafe.Pointer, kn uint32, out unsafe.Pointer, c uint32) int32

//go:wasmimport sluice_v1 kv_set
func hostKVSet(kp unsafe.Pointer, kn uint32, vp unsafe.Pointer, vn uint32) int32

func sp(s string) (unsafe.Pointer, uint32) {
	return unsafe.Pointer(unsafe.StringData(s)), uint32(len(s))
}

// Log logs msg at level (LevelDebug … LevelError) on sluice's log, with
// the resource and the hook named.
func Log(level int, msg string) {
	p, n := sp(msg)
	hostLog(uint32(level), p, n)
}

// Sha256 returns the SHA-256 of s, lowercase hex.
func Sha256(s string) string {
	out := fixed64()
	p, n := sp(s)
	hostSha256(p, n, unsafe.Pointer(&out[0]))
	return unsafe.String(&out[0], 64)
}

// hashes is where fixed64 carves the results of the hashing imports: one
// allocation per 512 hashes instead of one per hash (in a guest under a
// deadline an allocation costs microseconds). A result is never written
// again once returned, so its string stays immutable.
var hashes []byte

func fixed64() []byte {
	if len(hashes)+64 > cap(hashes) {
		hashes = make([]byte, 0, 64*512)
	}
	hashes = hashes[:len(hashes)+64]
	return hashes[len(hashes)-64:]
}

// HmacSha256 returns the HMAC-SHA256 of s with key, lowercase hex.
func HmacSha256(key, s string) string {
	var out [64]byte
	kp, kn := sp(key)
	p, n := sp(s)
	hostHmacSha256(kp, kn, p, n, unsafe.Pointer(&out[0]))
	return string(out[:])
}

// HmacSha256Hex is HmacSha256 with the key given as hex (a signing chain
// such as AWS SigV4).
func HmacSha256Hex(hexKey, s string) (string, error) {
	var out [64]byte
	kp, kn := sp(hexKey)
	p, n := sp(s)
	if hostHmacSha256Hex(kp, kn, p, n, unsafe.Pointer(&out[0])) < 0 {
		return "", errors.New("HmacSha256Hex: the key is not hex")
	}
	return string(out[:]), nil
}

// variable calls a host function that writes a result of unknown length.
func variable(call func(out unsafe.Pointer, c uint32) int32) (string, int32) {
	buf := make([]byte, 256)
	for {
		r := call(unsafe.Pointer(&buf[0]), uint32(len(buf)))
		if r < 0 {
			return "", r
		}
		if int(r) <= len(buf) {
			return string(buf[:r]), r
		}
		buf = make([]byte, r)
	}
}

// Base64 returns standard base64 (with padding) of s.
func Base64(s string) string {
	p, n := sp(s)
	r, _ := variable(func(out unsafe.Pointer, c uint32) int32 { return hostBase64(p, n, out, c) })
	return r
}

// Hex returns lowercase hex of s.
func Hex(s string) string {
	p, n := sp(s)
	r, _ := variable(func(out unsafe.Pointer, c uint32) int32 { return hostHex(p, n, out, c) })
	return r
}

// Now returns sluice's current time in UTC, RFC 3339 with milliseconds.
func Now() string {
	var out [24]byte
	hostNow(unsafe.Pointer(&out[0]))
	return string(out[:])
}

// KVGet returns the JSON value the resource's hooks kept under key, and
// whether there is one.
func KVGet(key string) (any, bool) {
	kp, kn := sp(key)
	s, r := variable(func(out unsafe.Pointer, c uint32) int32 { return hostKVGet(kp, kn, out, c) })
	if r < 0 {
		return nil, false
	}
	v, err := Decode([]byte(s))
	if err != nil {
		return nil, false
	}
	return v, true
}

// KVSet keeps a JSON value under key (key up to 256 bytes, value up to 64
// KiB of JSON); it is committed with the load.
func KVSet(key string, v any) error {
	b, err := Encode(nil, v)
	if err != nil {
		return err
	}
	kp, kn := sp(key)
	if hostKVSet(kp, kn, unsafe.Pointer(unsafe.SliceData(b)), uint32(len(b))) < 0 {
		return errors.New("KVSet: refused (a key is 1 to 256 bytes, a value up to 64 KiB of JSON)")
	}
	return nil
}

//go:wasmimport sluice_v1 at
func hostAt(index uint32)

// markRecord tells the host which record of the page the step works on.
func markRecord(i int) { hostAt(uint32(i)) }
