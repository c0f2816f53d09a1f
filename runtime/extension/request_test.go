package extension

import (
	"net/url"
	"reflect"
	"testing"
)

func TestEncodeQuery(t *testing.T) {
	for _, c := range []struct {
		q    url.Values
		want string
	}{
		{url.Values{"q": {"a b"}}, "q=a%20b"},
		{url.Values{"q": {"a+b"}}, "q=a%2Bb"},
		{url.Values{"b": {"2"}, "a": {"1", "x y&z"}}, "a=1&a=x%20y%26z&b=2"},
		{url.Values{"k y": {""}}, "k%20y="},
	} {
		if got := EncodeQuery(c.q); got != c.want {
			t.Errorf("EncodeQuery(%v) = %q, want %q", c.q, got, c.want)
		}
		back, err := url.ParseQuery(EncodeQuery(c.q))
		if err != nil || !reflect.DeepEqual(back, c.q) {
			t.Errorf("%v does not decode back: %v %v", c.q, back, err)
		}
	}
}
