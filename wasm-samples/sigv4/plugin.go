//go:build wasip1

package main

import (
	"time"

	"github.com/sluicehq/sluice/hostapi/guest"
)

func init() {
	guest.Describe("sigv4", "1.0.0")
	guest.Auth(func(req guest.Request) (guest.Changes, error) {
		cfg, err := loadConfig()
		if err != nil {
			return guest.Changes{}, err
		}
		now, err := time.Parse(time.RFC3339, guest.Now())
		if err != nil {
			return guest.Changes{}, err
		}
		headers, err := Sign(cfg, Request{
			Method:  req.Method,
			URL:     req.URL,
			Headers: req.Headers,
			Body:    req.Body,
		}, now)
		if err != nil {
			return guest.Changes{}, err
		}
		return guest.Changes{SetHeaders: headers}, nil
	})
}

// config is parsed once, on the first request.
var (
	config    Config
	configErr error
	parsed    bool
)

func loadConfig() (Config, error) {
	if !parsed {
		config, configErr = ParseConfig(guest.Config())
		parsed = true
	}
	return config, configErr
}
