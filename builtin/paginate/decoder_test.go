package paginate

import "github.com/sluicehq/sluice/runtime/jsondec"

// testDecoder decodes with the engine's decoder.
type testDecoder struct{}

func (testDecoder) Decode(b []byte) (any, error) { return jsondec.New().Decode(b) }
