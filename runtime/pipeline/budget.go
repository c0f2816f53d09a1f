package pipeline

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sync/semaphore"
)

// DefaultInflightBytes bounds the response bodies held between the fetchers
// and the writer: a page's body size is taken from the budget when the
// fetcher hands the page on and given back once the writer has written the
// rows made from it. The decoded records and their rows weigh a few times
// the body, so 4 MiB of bodies keeps a load's live heap near 15–20 MB
// whatever the page size (docs/performance.md).
const DefaultInflightBytes = 4 << 20

// InflightEnv names the environment variable that overrides
// DefaultInflightBytes, in bytes or with a KiB/MiB/GiB suffix (K, M, G).
const InflightEnv = "SLUICE_INFLIGHT_BYTES"

// budget is a byte-weighted semaphore over the pages in flight. A page larger
// than the whole budget takes all of it, so it still goes through, alone.
type budget struct {
	sem   *semaphore.Weighted
	total int64
}

func newBudget(total int64) *budget {
	if total <= 0 {
		total = DefaultInflightBytes
	}
	return &budget{sem: semaphore.NewWeighted(total), total: total}
}

// acquire waits until n bytes (at most the whole budget, at least 1) are
// free, takes them and returns the weight taken, to give to release.
func (b *budget) acquire(ctx context.Context, n int) (int64, error) {
	w := min(max(int64(n), 1), b.total)
	if err := b.sem.Acquire(ctx, w); err != nil {
		return 0, err
	}
	return w, nil
}

// release gives back a weight that acquire returned.
func (b *budget) release(w int64) {
	if w > 0 {
		b.sem.Release(w)
	}
}

// inflightBytes reads InflightEnv; unset or empty means the default.
func inflightBytes() (int64, error) {
	v := strings.TrimSpace(os.Getenv(InflightEnv))
	if v == "" {
		return DefaultInflightBytes, nil
	}
	n, err := parseBytes(v)
	if err != nil {
		return 0, fmt.Errorf("%s=%q: %w (give a size such as 4194304, 4MiB or 512K)", InflightEnv, v, err)
	}
	return n, nil
}

// parseBytes reads a positive byte count with an optional binary suffix:
// K/KB/KiB, M/MB/MiB, G/GB/GiB (all powers of 1024).
func parseBytes(s string) (int64, error) {
	num := strings.TrimRight(s, "KMGBikmgb ")
	unit := strings.ToUpper(strings.TrimSpace(s[len(num):]))
	mult := int64(1)
	switch strings.TrimSuffix(strings.TrimSuffix(unit, "B"), "I") {
	case "":
		if unit != "" && unit != "B" {
			return 0, fmt.Errorf("unknown unit %q", unit)
		}
	case "K":
		mult = 1 << 10
	case "M":
		mult = 1 << 20
	case "G":
		mult = 1 << 30
	default:
		return 0, fmt.Errorf("unknown unit %q", unit)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("not a positive whole number of bytes")
	}
	if n > (1<<62)/mult {
		return 0, fmt.Errorf("too large")
	}
	return n * mult, nil
}

// weighted is a value in flight with the weight it holds of the budget.
type weighted[T any] struct {
	v T
	w int64
}
