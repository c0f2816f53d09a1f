package pipeline

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicehq/sluice/runtime/extract"
)

// Progress is a snapshot of a running load, handed to Options.Progress.
// The engine knows nothing of how it is shown: the command line draws
// bars or logs lines from it.
type Progress struct {
	Elapsed   time.Duration
	Resources []ResourceProgress
	// Done is set on the last snapshot of the run, taken when every
	// resource has been extracted (or the run failed).
	Done bool
}

// ResourceProgress counts one resource's pages and records so far.
type ResourceProgress struct {
	Name string
	// Pages and Records count what was extracted: records after the
	// processing steps and the incremental filter, so that at the end
	// Records is what was loaded from the resource.
	Pages   int64
	Records int64
	// TotalRecords and TotalPages are what the API said the resource
	// holds (an X-Total-Count or Content-Range header, a paginator's
	// total_path); 0 when it did not say.
	TotalRecords int64
	TotalPages   int64
	// URL is the redacted URL of the last page fetched.
	URL string
	// Elapsed is the time from the resource's first page to now, or to
	// its end once Done; 0 before its first page.
	Elapsed time.Duration
	Done    bool
}

// counter gathers one resource's progress from the fetchers.
type counter struct {
	name    string
	start   time.Time
	pages   atomic.Int64
	records atomic.Int64
	totRecs atomic.Int64
	totPags atomic.Int64
	url     atomic.Pointer[string]
	first   atomic.Int64 // ns after start of the first page, +1 (0: none yet)
	ended   atomic.Int64 // ns after start of the end, +1 (0: running)
	done    atomic.Bool
}

// page counts a page of the resource (extract.Node.OnPage).
func (c *counter) page(p *extract.Page) {
	c.first.CompareAndSwap(0, int64(time.Since(c.start))+1)
	c.pages.Add(1)
	c.records.Add(int64(len(p.Records)))
	if p.TotalRecords > 0 {
		c.totRecs.Store(p.TotalRecords)
	}
	if p.TotalPages > 0 {
		c.totPags.Store(p.TotalPages)
	}
	if p.URL != "" {
		u := p.URL
		c.url.Store(&u)
	}
}

// finish marks the resource extracted.
func (c *counter) finish() {
	c.ended.CompareAndSwap(0, int64(time.Since(c.start))+1)
	c.done.Store(true)
}

func (c *counter) snapshot(now time.Duration) ResourceProgress {
	r := ResourceProgress{Name: c.name, Pages: c.pages.Load(), Records: c.records.Load(),
		TotalRecords: c.totRecs.Load(), TotalPages: c.totPags.Load(), Done: c.done.Load()}
	if u := c.url.Load(); u != nil {
		r.URL = *u
	}
	if f := c.first.Load(); f > 0 {
		end := now
		if e := c.ended.Load(); e > 0 {
			end = time.Duration(e - 1)
		}
		r.Elapsed = max(end-time.Duration(f-1), 0)
	}
	return r
}

// startProgress calls fn every interval (default one second) until stop,
// which calls it a last time with Done set.
func startProgress(fn func(Progress), interval time.Duration, start time.Time, cs []*counter) (stop func()) {
	if fn == nil {
		return func() {}
	}
	if interval <= 0 {
		interval = time.Second
	}
	snap := func(done bool) Progress {
		now := time.Since(start)
		p := Progress{Elapsed: now, Done: done}
		for _, c := range cs {
			p.Resources = append(p.Resources, c.snapshot(now))
		}
		return p
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				fn(snap(false))
			case <-quit:
				return
			}
		}
	}()
	return func() {
		close(quit)
		wg.Wait()
		fn(snap(true))
	}
}
