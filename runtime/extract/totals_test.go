package extract

import (
	"net/http"
	"testing"

	"github.com/sluicehq/sluice/runtime/extension"
)

type fixedTotals struct {
	extension.PaginatorFunc
	records, pages int64
}

func (f fixedTotals) Totals() (int64, int64) { return f.records, f.pages }

func TestTotals(t *testing.T) {
	tests := []struct {
		name           string
		pag            extension.Paginator
		header         map[string]string
		records, pages int64
	}{
		{"nothing told", singlePage{}, nil, 0, 0},
		{"X-Total-Count", singlePage{}, map[string]string{"X-Total-Count": " 120 "}, 120, 0},
		{"Content-Range", singlePage{}, map[string]string{"Content-Range": "0-24/3573458"}, 3573458, 0},
		{"Content-Range of an unknown total", singlePage{}, map[string]string{"Content-Range": "0-24/*"}, 0, 0},
		{"a bad header", singlePage{}, map[string]string{"X-Total-Count": "many"}, 0, 0},
		{"the paginator's total wins", fixedTotals{records: 7}, map[string]string{"X-Total-Count": "120"}, 7, 0},
		{"a page total", fixedTotals{pages: 9}, nil, 0, 9},
		{"a paginator that knows none falls back to the headers", fixedTotals{}, map[string]string{"X-Total-Count": "5"}, 5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			r, p := totals(tt.pag, h)
			if r != tt.records || p != tt.pages {
				t.Errorf("totals = %d records, %d pages; want %d, %d", r, p, tt.records, tt.pages)
			}
		})
	}
}

func FuzzTotals(f *testing.F) {
	for _, s := range []string{"0-24/3573458", "*/100", "120", "", "-5", "1/2/3", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		for _, k := range []string{"X-Total-Count", "Content-Range"} {
			h := http.Header{k: []string{v}}
			if r, p := totals(singlePage{}, h); r < 0 || p != 0 {
				t.Fatalf("%s: %q gives %d records, %d pages", k, v, r, p)
			}
		}
	})
}
