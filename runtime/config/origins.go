package config

import (
	"fmt"
	"net/url"
	"strings"

	"go.yaml.in/yaml/v3"
)

// authOrigins reads client.auth_origins: a list of origins
// (scheme://host[:port]) that may receive credentials besides the
// base_url's own. Each must be an absolute http(s) URL with nothing after
// the host but an optional "/".
func (p *parser) authOrigins(n *yaml.Node) []string {
	if n == nil || isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.at(n, fmt.Sprintf("expected a list of origins, got %s", describe(n)), `write auth_origins: ["https://files.example.com"]`)
		return nil
	}
	var out []string
	for _, e := range n.Content {
		if e.Kind != yaml.ScalarNode || isNull(e) || e.ShortTag() != "!!str" {
			p.at(e, fmt.Sprintf("expected an origin such as \"https://files.example.com\", got %s", describe(e)), "")
			continue
		}
		if msg := checkOrigin(e.Value); msg != "" {
			p.at(e, fmt.Sprintf("auth_origins entry %q %s", e.Value, msg), "an origin is scheme://host or scheme://host:port, e.g. https://files.example.com")
			continue
		}
		out = append(out, e.Value)
	}
	return out
}

// checkOrigin says what is wrong with an origin, or "".
func checkOrigin(s string) string {
	if s == "*" {
		return "is a wildcard; list each origin that may receive credentials"
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Sprintf("is not a valid URL: %v", unwrapURLError(err))
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "needs the scheme http:// or https://"
	case u.Hostname() == "":
		return "has no host"
	case u.User != nil:
		return "has a user name or password; credentials come from auth, not from the origin"
	case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(s, "?"):
		return "has more than scheme, host and port; credentials go to a whole origin, not a path"
	}
	return ""
}
