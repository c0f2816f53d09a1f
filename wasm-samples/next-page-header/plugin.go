//go:build wasip1

package main

import "github.com/sluicehq/sluice/hostapi/guest"

func init() {
	guest.Describe("next-page-header", "1.0.0")
	guest.Paginator(nil, func(resp guest.Response, req guest.Request, records int, state map[string]any) (*guest.Patch, error) {
		cfg, err := loadConfig()
		if err != nil {
			return nil, err
		}
		params, ok := cfg.Next(resp.Headers, req.Query)
		if !ok {
			return nil, nil
		}
		return &guest.Patch{Params: params}, nil
	})
}

// config is parsed once, on the first response.
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
