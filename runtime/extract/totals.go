package extract

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/runtime/extension"
)

// totals returns what the API said a chain holds, for progress: the
// paginator's totals when it reads them (extension.Totaler), else an
// X-Total-Count header or the total of a Content-Range header
// ("0-24/3573458") on the response.
func totals(pag extension.Paginator, h http.Header) (records, pages int64) {
	if t, ok := pag.(extension.Totaler); ok {
		if records, pages = t.Totals(); records > 0 || pages > 0 {
			return records, pages
		}
	}
	if v := h.Get("X-Total-Count"); v != "" {
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && n > 0 {
			return n, 0
		}
	}
	if v := h.Get("Content-Range"); v != "" {
		if i := strings.LastIndexByte(v, '/'); i >= 0 {
			if n, err := strconv.ParseInt(strings.TrimSpace(v[i+1:]), 10, 64); err == nil && n > 0 {
				return n, 0
			}
		}
	}
	return 0, 0
}
