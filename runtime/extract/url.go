package extract

import (
	"net/url"
	"strings"
)

// JoinURL joins a base URL and an endpoint path the way dlt does
// (reference §2.1): a path with an http or https scheme is used as is;
// otherwise every trailing slash of the base and every leading slash of the
// path are dropped and the two are joined with exactly one slash. A leading
// slash in the path does not reset to the host root.
func JoinURL(base, path string) string {
	if u, err := url.Parse(path); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		return path
	}
	if base == "" {
		return path
	}
	if path == "" {
		return base
	}
	return strings.TrimRight(base, "/") + "/" + strings.TrimLeft(path, "/")
}
