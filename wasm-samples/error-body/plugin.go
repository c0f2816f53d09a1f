//go:build wasip1

package main

import "github.com/sluicehq/sluice/hostapi/guest"

func init() {
	guest.Describe("error-body", "1.0.0")
	guest.ResponseAction(func(resp guest.Response) (string, error) {
		if !parsed {
			config, configErr = ParseConfig(guest.Config())
			parsed = true
		}
		if configErr != nil {
			return "", configErr
		}
		return config.Action(resp.Status, resp.Body), nil
	})
}

// The config, parsed on the first response.
var (
	config    Config
	configErr error
	parsed    bool
)
