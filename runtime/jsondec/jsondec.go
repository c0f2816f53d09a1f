// Package jsondec decodes JSON response bodies into the plain Go values the
// rest of sluice works on: objects as map[string]any, arrays as []any,
// integers that fit in an int64 as int64, larger integers as json.Number
// (their exact decimal text), every other number as float64, strings, bools
// and nil.
//
// New returns the fastest decoder this build has: github.com/bytedance/sonic
// where it runs natively (amd64 and arm64 on the Go versions it supports),
// and an encoding/json decoder everywhere else. Both give the same values
// for the same input, so nothing downstream may depend on which one it got.
// sonic is compiled in only on amd64 and arm64 (it does not build
// elsewhere); build with the tag sluice_stdjson to leave it out entirely.
//
// # Notes
//
//   - Integers are kept exact: an id of 2^63-1 stays an int64, unlike
//     encoding/json's default float64, and an integer outside the int64
//     range (2^70) is a json.Number, never a float64. The normalizer gives
//     such a value dlt's `wei` type (decimal text). sonic on its own would
//     turn it into a float64: a body that may hold one is decoded with
//     sonic's UseNumber instead (see mayHaveBigInt).
//   - A body that is not valid UTF-8 is decoded as if each invalid byte
//     sequence were U+FFFD, which is what dlt (through requests) does.
//   - Trailing whitespace is allowed; anything else after the value is an
//     error. An empty body is an error (extension.Response never asks to
//     decode one).
//   - Decoded strings never share memory with the input, so the caller may
//     reuse its buffer.
package jsondec

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/sluicehq/sluice/runtime/extension"
)

// New returns the fastest available decoder: sonic when it runs natively on
// this platform and build, else the encoding/json one.
func New() extension.Decoder {
	if d, ok := NewSonic(); ok {
		return d
	}
	return NewStd()
}

// Name says which implementation d is: "sonic", "encoding/json", or "" for
// a decoder from elsewhere.
func Name(d extension.Decoder) string {
	switch d.(type) {
	case stdDecoder:
		return "encoding/json"
	case sonicDecoder:
		return "sonic"
	}
	return ""
}

// SyntaxError is a body that is not JSON. Its text never quotes the body.
type SyntaxError struct {
	// Offset is the byte offset of the problem, or -1 when unknown.
	Offset int64
	Msg    string
}

func (e *SyntaxError) Error() string {
	if e.Offset < 0 {
		return "invalid JSON: " + e.Msg
	}
	return fmt.Sprintf("invalid JSON at byte %d: %s", e.Offset, e.Msg)
}

// validUTF8 returns data, or a copy with every invalid UTF-8 sequence
// replaced by U+FFFD.
func validUTF8(data []byte) []byte {
	if utf8.Valid(data) {
		return data
	}
	return bytes.ToValidUTF8(data, []byte("\uFFFD"))
}
