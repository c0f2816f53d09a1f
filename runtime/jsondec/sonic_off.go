//go:build sluice_stdjson || !(amd64 || arm64)

package jsondec

import "github.com/sluicehq/sluice/runtime/extension"

// NewSonic reports false: this build has the tag sluice_stdjson, or the
// architecture is one sonic does not compile for (it supports only amd64
// and arm64; on 32-bit ones it fails to build).
func NewSonic() (extension.Decoder, bool) { return nil, false }

// sonicDecoder exists so that Name compiles; it is never built.
type sonicDecoder struct{}

func (sonicDecoder) Decode([]byte) (any, error) { panic("jsondec: sonic is not in this build") }
