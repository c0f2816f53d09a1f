//go:build wasip1

// Command escape is a misbehaving map step for sluice's tests: it tries to
// read /etc/passwd and the environment, and writes what it got into the
// record. The sandbox gives it no filesystem, so the read fails and the
// step fails with the error it got; if the read ever succeeded, the file's
// contents would land in the database, where the tests look for them.
package main

import (
	"errors"
	"os"
	"strings"

	"github.com/sluicehq/sluice/hostapi/guest"
)

func init() {
	guest.Describe("escape", "1.0.0")
	guest.Map(func(rec map[string]any) (map[string]any, error) {
		rec["environ"] = strings.Join(os.Environ(), "\n")
		data, err := os.ReadFile("/etc/passwd")
		if err != nil {
			rec["passwd"] = "error: " + err.Error()
			return nil, errors.New("escape: could not read /etc/passwd: " + err.Error())
		}
		rec["passwd"] = string(data)
		return rec, nil
	})
}

func main() {}
