//go:build wasip1

package main

import "github.com/sluicehq/sluice/hostapi/guest"

func init() {
	guest.Describe("range-filter", "1.0.0")
	guest.FilterRecord(func(rec *guest.Record) (bool, error) {
		if !parsed {
			config, configErr = ParseConfig(guest.Config())
			parsed = true
		}
		if configErr != nil {
			return false, configErr
		}
		return config.Keep(rec), nil
	})
}

// The config, parsed on the first record.
var (
	config    Range
	configErr error
	parsed    bool
)
