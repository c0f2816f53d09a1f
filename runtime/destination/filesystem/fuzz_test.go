package filesystem

import (
	"math/big"
	"strings"
	"testing"
)

// FuzzBucketPath: any bucket_url is accepted as an absolute clean path or
// refused with an error naming bucket_url; never a panic.
func FuzzBucketPath(f *testing.F) {
	for _, s := range []string{"file:///data/lake", "file://localhost/x", "s3://b/p", "", "file:", "file:///a/../b", "%zz", "file://h/x?y#z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := BucketPath(s)
		if err != nil {
			if !strings.Contains(err.Error(), "bucket_url") {
				t.Fatalf("%q: error without the field: %v", s, err)
			}
			return
		}
		if !strings.HasPrefix(p, "/") {
			t.Fatalf("%q gave the relative path %q", s, p)
		}
	})
}

// FuzzSystemFileName: splitting a system file's name never panics and
// gives at most n parts that join back to the name.
func FuzzSystemFileName(f *testing.F) {
	for _, s := range []string{"demo__1714500000.1__ab.jsonl", "rest_api__1.2.jsonl", "a__b__c__d.jsonl", "____", ""} {
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, name string, n int) {
		if n < 1 || n > 4 {
			return
		}
		parts := splitName(name, n)
		if len(parts) > n || len(parts) == 0 {
			t.Fatalf("%q: %d parts", name, len(parts))
		}
	})
}

// FuzzDecimal: a decimal text either fails or encodes to the column's
// width and decodes back to the value rounded to the scale.
func FuzzDecimal(f *testing.F) {
	for _, s := range []string{"12.5", "-0.000000001", "1e3", "1e999999999", " 7 ", "99999999999999999999999999999.999999999", "abc", "-1"} {
		f.Add(s, 38, 9)
	}
	f.Fuzz(func(t *testing.T, s string, p, sc int) {
		if p < 1 || p > 76 || sc < 0 || sc > p || len(s) > 200 {
			return
		}
		b, err := decimalValue(s, p, sc)
		if err != nil {
			return
		}
		if len(b) != decimalBytes(p) {
			t.Fatalf("%q: %d bytes for precision %d", s, len(b), p)
		}
		x := new(big.Int).SetBytes(b)
		if b[0]&0x80 != 0 {
			x.Sub(x, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
		}
		r, _ := new(big.Rat).SetString(strings.TrimSpace(s))
		scaled := new(big.Rat).Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(sc)), nil)))
		diff := new(big.Rat).Sub(scaled, new(big.Rat).SetInt(x))
		if diff.Abs(diff).Cmp(big.NewRat(1, 2)) > 0 {
			t.Fatalf("%q at (%d,%d): unscaled %s is off by %s", s, p, sc, x, diff.FloatString(3))
		}
	})
}
