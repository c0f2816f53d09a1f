package main

import (
	"fmt"
	"strings"
)

// Config is the plugin's `config:`.
type Config struct {
	Header string // header: the response header with the next page, e.g. X-Next-Page
	Param  string // param: the query parameter it goes into, e.g. page
}

// ParseConfig reads the plugin's config; both keys are required strings.
func ParseConfig(raw map[string]any) (Config, error) {
	var c Config
	for _, f := range []struct {
		key string
		dst *string
	}{{"header", &c.Header}, {"param", &c.Param}} {
		v, ok := raw[f.key]
		if !ok || v == nil {
			return Config{}, fmt.Errorf("next-page-header: config.%s is required (header: the response header with the next page, e.g. X-Next-Page; param: the query parameter to set, e.g. page)", f.key)
		}
		s, ok := v.(string)
		if !ok || strings.TrimSpace(s) == "" {
			return Config{}, fmt.Errorf("next-page-header: config.%s must be a non-empty string, got %v", f.key, v)
		}
		*f.dst = strings.TrimSpace(s)
	}
	return c, nil
}

// Next returns the query parameters of the next request from the response
// headers (any case of the name), and false when there is no next page:
// the header is absent or empty, or names the page just fetched (an API
// that repeats its last page would otherwise be read forever).
func (c Config) Next(headers map[string]string, query map[string][]string) (map[string]string, bool) {
	next, found := "", false
	for k, v := range headers {
		if strings.EqualFold(k, c.Header) {
			next, found = strings.TrimSpace(v), true
			break
		}
	}
	if !found || next == "" {
		return nil, false
	}
	if cur := query[c.Param]; len(cur) > 0 && cur[len(cur)-1] == next {
		return nil, false
	}
	return map[string]string{c.Param: next}, true
}
