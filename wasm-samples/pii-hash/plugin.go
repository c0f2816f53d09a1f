//go:build wasip1

package main

import "github.com/sluicehq/sluice/hostapi/guest"

func init() {
	guest.Describe("pii-hash", "1.0.0")
	guest.MapRecord(func(rec *guest.Record) error {
		if !parsed {
			fields, configErr = ParseConfig(guest.Config())
			parsed = true
		}
		if configErr != nil {
			return configErr
		}
		return Hash(rec, fields, guest.Sha256)
	})
}

// The config, parsed on the first record.
var (
	fields    []string
	configErr error
	parsed    bool
)
