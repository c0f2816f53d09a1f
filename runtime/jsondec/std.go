package jsondec

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/runtime/extension"
)

// NewStd returns the encoding/json decoder. It is the fallback where sonic
// does not run natively; New prefers sonic when it can.
func NewStd() extension.Decoder { return stdDecoder{} }

type stdDecoder struct{}

// Decode decodes with json.Number and then turns each number into an int64
// when it is an integer that fits, else into a float64.
func (stdDecoder) Decode(data []byte) (any, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &SyntaxError{Offset: 0, Msg: "empty input"}
	}
	dec := json.NewDecoder(bytes.NewReader(validUTF8(data)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, stdError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &SyntaxError{Offset: dec.InputOffset(), Msg: "unexpected data after the top-level value"}
	}
	return convertNumbers(v)
}

func stdError(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &SyntaxError{Offset: se.Offset, Msg: strings.TrimPrefix(se.Error(), "json: ")}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return &SyntaxError{Offset: -1, Msg: "unexpected end of input"}
	}
	return &SyntaxError{Offset: -1, Msg: err.Error()}
}

// convertNumbers replaces every json.Number in v, in place.
func convertNumbers(v any) (any, error) {
	switch t := v.(type) {
	case json.Number:
		return number(string(t))
	case map[string]any:
		for k, e := range t {
			c, err := convertNumbers(e)
			if err != nil {
				return nil, err
			}
			t[k] = c
		}
	case []any:
		for i, e := range t {
			c, err := convertNumbers(e)
			if err != nil {
				return nil, err
			}
			t[i] = c
		}
	}
	return v, nil
}

// number converts a JSON number literal: an integer literal that fits is an
// int64, a larger one stays a json.Number (its exact decimal text), anything
// else is a float64. Like sonic, a literal beyond the float64 range is an
// error.
func number(s string) (any, error) {
	if !strings.ContainsAny(s, ".eE") {
		n, err := strconv.ParseInt(s, 10, 64)
		if err == nil {
			return n, nil
		}
		return json.Number(s), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, &SyntaxError{Offset: -1, Msg: "number " + s + " is out of range"}
	}
	return f, nil
}

// mayHaveBigInt reports whether data may hold an integer literal beyond the
// int64 range: a run of at least 19 digits (int64 has 19) that is not part
// of a fraction, an exponent or a word. It is a cheap filter, not a parser:
// a string value such as "x 1234567890123456789" may pass it, which only
// costs a slower decode. Any run of 19 digits covers a multiple of 19, so
// only every 19th byte is looked at, and the run around it measured.
func mayHaveBigInt(data []byte) bool {
	const span = 19
	for i := span - 1; i < len(data); i += span {
		if !isDigit(data[i]) {
			continue
		}
		start, end := i, i+1
		for start > 0 && isDigit(data[start-1]) {
			start--
		}
		for end < len(data) && isDigit(data[end]) {
			end++
		}
		if end-start >= span && bigIntContext(data, start, end) {
			return true
		}
		i = end - span // resume after the run (the loop adds span)
		if i < start {
			i = start
		}
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// bigIntContext reports whether the digits data[start:end] may be an
// integer literal: preceded by a sign or a JSON separator, and followed by
// neither a fraction nor an exponent.
func bigIntContext(data []byte, start, end int) bool {
	if start > 0 {
		switch data[start-1] {
		case '-', ':', '[', ',', ' ', '\t', '\n', '\r':
		default:
			return false
		}
	}
	if end < len(data) {
		switch data[end] {
		case '.', 'e', 'E':
			return false
		}
	}
	return true
}
