//go:build wasip1

// Command onlymap is a test guest that implements only a map step.
package main

import "github.com/sluicehq/sluice/hostapi/guest"

func init() {
	guest.Describe("onlymap", "0.1.0")
	guest.Map(func(rec map[string]any) (map[string]any, error) { return rec, nil })
}

func main() {}
