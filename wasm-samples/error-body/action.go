package main

import (
	"fmt"
	"strings"
)

// Config is the plugin's `config:`.
type Config struct {
	Path   []string // path: the body's key, or a dotted path (error, meta.error)
	Do     string   // action: fail (the default) or retry
	rawKey string   // path as written, tried first as one key
}

// ParseConfig reads `path` (required) and `action` (fail or retry; fail
// when absent).
func ParseConfig(raw map[string]any) (Config, error) {
	p, ok := raw["path"].(string)
	if !ok || strings.TrimSpace(p) == "" {
		return Config{}, fmt.Errorf("error-body: config.path is required: the body key that holds the error, e.g. path: error")
	}
	c := Config{Path: strings.Split(p, "."), Do: "fail", rawKey: p}
	if v, ok := raw["action"]; ok && v != nil {
		s, _ := v.(string)
		if s != "fail" && s != "retry" {
			return Config{}, fmt.Errorf("error-body: config.action must be fail or retry, got %v", v)
		}
		c.Do = s
	}
	return c, nil
}

// Action is the answer to a response: c.Do for a 200 whose body has a
// non-null value at the path, "continue" for everything else (other
// statuses are left to the other response_actions and the HTTP client).
func (c Config) Action(status int, body any) string {
	if status != 200 {
		return "continue"
	}
	obj, ok := body.(map[string]any)
	if !ok {
		return "continue"
	}
	if v, ok := obj[c.rawKey]; ok {
		if v != nil {
			return c.Do
		}
		return "continue"
	}
	var cur any = obj
	for _, k := range c.Path {
		m, ok := cur.(map[string]any)
		if !ok {
			return "continue"
		}
		cur = m[k]
	}
	if cur != nil {
		return c.Do
	}
	return "continue"
}
