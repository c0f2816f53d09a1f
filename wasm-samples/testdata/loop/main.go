//go:build wasip1

// Command loop is a misbehaving map step for sluice's tests: it never
// returns, so the per-call deadline must stop it.
package main

import "github.com/sluicehq/sluice/hostapi/guest"

var spins uint64

func init() {
	guest.Describe("loop", "1.0.0")
	guest.Map(func(rec map[string]any) (map[string]any, error) {
		for {
			spins++
		}
	})
}

func main() {}
