package paginate

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/sluicehq/sluice/runtime/extension"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		name    string
		header  http.Header
		body    string
		records int
		want    extension.Detection
		signs   bool
	}{
		{name: "Link header", header: http.Header{"Link": {`<https://h/p?page=2>; rel="next"`}}, body: `[1,2]`, records: 2,
			want: extension.Detection{Type: "header_link"}},
		{name: "next URL", body: `{"count":1023,"next":"https://h/p?page=5","previous":null,"results":[1]}`, records: 1,
			want: extension.Detection{Type: "json_link", Args: map[string]any{"next_url_path": "next"}}},
		{name: "HAL _links.next.href", body: `{"_embedded":{"items":[1]},"_links":{"next":{"href":"http://h/p?page=2"}},"page":{"totalPages":50}}`, records: 1,
			want: extension.Detection{Type: "json_link", Args: map[string]any{"next_url_path": "_links.next.href"}}},
		{name: "links.next relative", body: `{"data":[1],"links":{"next":"/p?page=2","self":"/p"}}`, records: 1,
			want: extension.Detection{Type: "json_link", Args: map[string]any{"next_url_path": "links.next"}}},
		{name: "OData nextLink (dlt misses it)", body: `{"value":[1],"@odata.nextLink":"https://h/People?$skiptoken=8"}`, records: 1,
			want: extension.Detection{Type: "json_link", Args: map[string]any{"next_url_path": "['@odata.nextLink']"}}},
		{name: "next key holding a cursor", body: `{"products":[1],"next_cursor":"eyJ9"}`, records: 1,
			want: extension.Detection{Type: "cursor", Args: map[string]any{"cursor_path": "next_cursor", "cursor_param": "cursor"}}},
		{name: "nested cursor", body: `{"results":[1],"cursors":{"next":"NjM="}}`, records: 1,
			want: extension.Detection{Type: "cursor", Args: map[string]any{"cursor_path": "cursors.next", "cursor_param": "cursor"}}},
		{name: "1-based page count (dlt would fetch page 1 twice)", body: `{"data":[1],"page":1,"total_pages":5}`, records: 1,
			want: extension.Detection{Type: "page_number", Args: map[string]any{"base_page": int64(1), "page": int64(1), "page_param": "page", "total_path": "total_pages"}}},
		{name: "0-based page count", body: `{"data":[1],"page":0,"pages":5}`, records: 1,
			want: extension.Detection{Type: "page_number", Args: map[string]any{"base_page": int64(0), "page": int64(0), "page_param": "page", "total_path": "pages"}}},
		{name: "null next is the end", body: `{"results":[1],"next":null}`, records: 1},
		{name: "a total above the records is a sign", body: `{"data":[1,2],"pagination":{"offset":0,"limit":2,"total":100}}`, records: 2, signs: true},
		{name: "has_more true is a sign", body: `{"data":[1],"has_more":true}`, records: 1, signs: true},
		{name: "a total equal to the records is not", body: `{"data":[1,2],"total":2}`, records: 2},
		{name: "Content-Range above the records is a sign", header: http.Header{"Content-Range": {"0-24/3573458"}}, body: `[1]`, records: 25, signs: true},
		{name: "a single object", body: `{"id":1,"name":"x"}`, records: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.header
			if h == nil {
				h = http.Header{}
			}
			got := Detect(extension.NewResponse(200, h, []byte(tt.body), "https://h/p", testDecoder{}), tt.records)
			if tt.signs {
				if got.Type != "" || got.Signs == "" {
					t.Fatalf("Detect = %+v, want no paginator and signs of more pages", got)
				}
				return
			}
			if got.Signs != "" || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Detect = %#v\nwant     %#v", got, tt.want)
			}
			if got.Type != "" {
				newPaginator(t, got.Type, got.Args) // what it detects builds
			}
		})
	}
}

// FuzzDetect: any body and Link header either detects a paginator that
// builds, or none; it never panics.
func FuzzDetect(f *testing.F) {
	f.Add(`{"next":"https://h/p?page=2","results":[1]}`, "", 1)
	f.Add(`{"_links":{"next":{"href":"/p"}},"page":{"totalPages":3}}`, `</p?page=2>; rel="next"`, 0)
	f.Add(`{"data":[],"total_pages":"7","page":"1"}`, "", 0)
	f.Add(`[1,2,3]`, "", 3)
	f.Fuzz(func(t *testing.T, body, link string, records int) {
		h := http.Header{}
		if link != "" {
			h.Set("Link", link)
		}
		d := Detect(extension.NewResponse(200, h, []byte(body), "https://h/p", testDecoder{}), records)
		if d.Type != "" {
			newPaginator(t, d.Type, d.Args)
		}
	})
}
