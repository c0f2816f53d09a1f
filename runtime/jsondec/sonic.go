//go:build !sluice_stdjson && (amd64 || arm64)

package jsondec

import (
	"strings"

	"github.com/bytedance/sonic"

	"github.com/sluicehq/sluice/runtime/extension"
)

// sonicAPI keeps integers exact (int64) and copies strings out of the input.
// With UseInt64, sonic turns an integer beyond the int64 range into a
// float64 (2^70 becomes 1.1805916207174113e+21), so a body that may hold one
// (mayHaveBigInt) is decoded with sonicNumberAPI instead, whose json.Number
// values are then converted as the encoding/json decoder converts them.
var (
	sonicAPI       = sonic.Config{UseInt64: true, CopyString: true}.Froze()
	sonicNumberAPI = sonic.Config{UseNumber: true, CopyString: true}.Froze()
)

// NewSonic returns the sonic decoder, and false when sonic does not run
// natively here (it would silently fall back to encoding/json and ignore
// UseInt64) or the build has the tag sluice_stdjson.
func NewSonic() (extension.Decoder, bool) {
	if sonic.APIKind != sonic.UseSonicJSON {
		return nil, false
	}
	return sonicDecoder{}, true
}

type sonicDecoder struct{}

func (sonicDecoder) Decode(data []byte) (any, error) {
	var v any
	in := validUTF8(data)
	if mayHaveBigInt(in) {
		if err := sonicNumberAPI.Unmarshal(in, &v); err != nil {
			return nil, sonicError(data, err)
		}
		return convertNumbers(v)
	}
	if err := sonicAPI.Unmarshal(in, &v); err != nil {
		return nil, sonicError(data, err)
	}
	return v, nil
}

// sonicError turns sonic's multi-line error, which quotes the input, into
// the same *SyntaxError the encoding/json decoder gives. Errors are rare,
// so it simply asks encoding/json where the problem is.
func sonicError(data []byte, err error) error {
	if _, stdErr := NewStd().Decode(data); stdErr != nil {
		return stdErr
	}
	msg := err.Error()
	msg = strings.Trim(msg, `"`)
	if i := strings.Index(msg, `\n`); i >= 0 {
		msg = msg[:i]
	}
	return &SyntaxError{Offset: -1, Msg: strings.TrimPrefix(msg, "Syntax error ")}
}
