//go:build wasip1

// Command hog is a misbehaving map step for sluice's tests: it allocates
// without bound and keeps every byte reachable, so the memory limit must
// stop it.
package main

import "github.com/sluicehq/sluice/hostapi/guest"

var hoard [][]byte

func init() {
	guest.Describe("hog", "1.0.0")
	guest.Map(func(rec map[string]any) (map[string]any, error) {
		for {
			b := make([]byte, 1<<20)
			for i := 0; i < len(b); i += 4096 {
				b[i] = 1
			}
			hoard = append(hoard, b)
		}
	})
}

func main() {}
