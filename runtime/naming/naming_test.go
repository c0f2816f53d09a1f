package naming

import (
	"strings"
	"testing"
)

// The examples of dlt-behaviour.md §8.2 (verified against dlt) plus dlt's own
// tests/common/normalizers/test_naming_snake_case.py. Most examples give the
// same result as a single identifier and as a path; the ones that do not are
// checked with the function dlt's tests use.
func TestSnakeCaseDltExamples(t *testing.T) {
	both := []struct{ in, want string }{
		{"userId", "user_id"},
		{"UserID", "user_id"},
		{"HTTPResponseCode", "http_response_code"},
		{"camelCaseXMLParser", "camel_case_xml_parser"},
		{"BANaNA", "ba_na_na"},
		{"123BaNaNa", "_123_ba_na_na"},
		{"first name", "first_name"},
		{"e-mail", "e_mail"},
		{"a.b", "a_b"},
		{"@odata.nextLink", "aodata_next_link"},
		{"$ref", "_ref"},
		{"price$", "pricex"},
		{"id_", "idx"},
		{"+-!$*@#=|:", "x_xa_lx"},
		{"-1", "_1"},
		{"100", "_100"},
		{"naïve", "na_ve"},
		{"ÄÖÜ", "x"},
		{"_dlt_id", "_dlt_id"},
		{"event_value", "event_value"},
		{"event value", "event_value"},
		{"event-.!:*<>value", "event_x_value"},
		{"1event_n'", "_1event_nx"},
		{"123event_n'", "_123event_nx"},
		{"BANANA", "banana"},
		{"BAN_ANA", "ban_ana"},
		{"Small Love Potion", "small_love_potion"},
		{" Small Love Potion ", "small_love_potion"},
		{"BANANA_", "bananax"},
		{"+1", "x1"},
		{"+-*@|", "x_xal"},
		{"  padded  ", "padded"},
		{"a1B", "a1_b"},
		{"createdAt", "created_at"},
		{"٣abc", "_٣abc"}, // Unicode digits are digits (Python \d)
	}
	for _, tt := range both {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := NormalizePath(tt.in); got != tt.want {
			t.Errorf("NormalizePath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	ident := []struct{ in, want string }{
		{"BANANA____", "bananaxxxx"},
		{"event__value_value2____", "event_value_value2xxxx"},
		{"a__b", "a_b"}, // a single identifier does not keep path separators
		{"", EmptyKey},
		{"   ", EmptyKey},
		{"_", "x"},
	}
	for _, tt := range ident {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	path := []struct{ in, want string }{
		{"__foo", "foo"},
		{"a__b", "a__b"},
		{"x__", "x"},
		{"BANANA____", "banana"},
		{"Small___Love____Potion_____x", "small___love__potion___x"},
		{"small___love__potion___x", "small___love__potion___x"},
		{"Small__Love__Potion", "small__love__potion"},
		{"Small  Love  Potion", "small_love_potion"},
		{"e_vent__value_value2___", "e_vent__value_value2__x"},
	}
	for _, tt := range path {
		if got := NormalizePath(tt.in); got != tt.want {
			t.Errorf("NormalizePath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestBlankPath(t *testing.T) {
	for _, in := range []string{"", "__", "  __ "} {
		if got := NormalizePath(in); got != "" {
			t.Errorf("NormalizePath(%q) = %q, want empty", in, got)
		}
	}
}

func TestMakeAndBreakPath(t *testing.T) {
	if got := MakePath("users", "", "orders", " ", "items"); got != "users__orders__items" {
		t.Errorf("MakePath = %q", got)
	}
	if got := strings.Join(BreakPath("__a__b____c__"), ","); got != "a,b,c" {
		t.Errorf("BreakPath = %q", got)
	}
}

func TestTag(t *testing.T) {
	// Python: base64.b64encode(hashlib.shake_128(b"").digest(4)) == b"f5wrpA=="
	if got := Tag(""); got != "f5wrpa" {
		t.Errorf("Tag(\"\") = %q", got)
	}
	if got := Tag("any"); len(got) != 6 || strings.ContainsAny(got, "+/=") || got != strings.ToLower(got) {
		t.Errorf("Tag(any) = %q", got)
	}
}

func TestShorten(t *testing.T) {
	name := strings.Repeat("a", 30) + strings.Repeat("b", 30)
	tests := []struct {
		max  int
		want string
	}{
		{0, name},
		{60, name},
		{100, name},
		{20, strings.Repeat("a", 7) + Tag(name) + strings.Repeat("b", 7)},
		{21, strings.Repeat("a", 8) + Tag(name) + strings.Repeat("b", 7)},
		{6, Tag(name)},
	}
	for _, tt := range tests {
		got := Shorten(name, tt.max)
		if got != tt.want {
			t.Errorf("Shorten(max=%d) = %q, want %q", tt.max, got, tt.want)
		}
		if tt.max > 0 && len(got) > tt.max {
			t.Errorf("Shorten(max=%d) too long: %d", tt.max, len(got))
		}
	}
}

func TestConventionShortensWithRawTag(t *testing.T) {
	c := Convention{MaxLength: 10}
	raw := "VeryLongColumnNameIndeed"
	got := c.Normalize(raw)
	want := ShortenWithTag("very_long_column_name_indeed", raw, 10)
	if got != want || len(got) != 10 {
		t.Errorf("Normalize = %q, want %q", got, want)
	}
	// the path is shortened as a whole with a tag from the raw path
	p := c.NormalizePath("abc__defgh__ijk")
	if p != ShortenWithTag("abc__defgh__ijk", "abc__defgh__ijk", 10) {
		t.Errorf("NormalizePath = %q", p)
	}
	if f := c.ShortenFragments("abcdef", "ghijkl"); f != ShortenWithTag("abcdef__ghijkl", "abcdef__ghijkl", 10) {
		t.Errorf("ShortenFragments = %q", f)
	}
}

func TestCache(t *testing.T) {
	c := NewCache(SQLite)
	for i := 0; i < 3; i++ {
		if got := c.NormalizePath("userId"); got != "user_id" {
			t.Fatalf("got %q", got)
		}
	}
}

func BenchmarkNormalizePath(b *testing.B) {
	for i := 0; i < b.N; i++ {
		NormalizePath("camelCaseXMLParser")
	}
}

// Values computed with Python's hashlib/base64 following dlt's
// NamingConvention._compute_tag and _trim_and_tag.
func TestTagMatchesPython(t *testing.T) {
	for in, want := range map[string]string{
		"users__orders__items":   "vhq5dg",
		"Very_Long_Name":         "nlocrg",
		"abc__defgh__ijk":        "kbswmg",
		strings.Repeat("x", 100): "t1vuza",
		"naïve":                  "vdqxmg",
	} {
		if got := Tag(in); got != want {
			t.Errorf("Tag(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Shorten("users__orders__items", 15); got != "usersvhq5dgtems" {
		t.Errorf("Shorten = %q", got)
	}
}
