package cassette

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Replayer is an http.RoundTripper that answers every request from a
// cassette and never touches the network. A request the cassette lacks
// fails with an *Error that shows it and the nearest recorded request.
// It is safe for concurrent use.
//
// A request's file is found by its name (the hash of its redacted key), so
// only the files a run asks for are read, when it asks, and none is kept
// in memory afterwards; a file whose name
// does not match its content (edited by hand) is still found through an
// index of every file, built on the first miss.
type Replayer struct {
	dir    string
	sc     *scrubber
	files  int
	repeat map[string]int // file name without .N.yaml → highest N

	mu     sync.Mutex
	served map[string]int // key → requests answered

	indexOnce sync.Once
	index     map[string][]*loaded // key → recordings in order
	entries   []*loaded            // every file, in name order
	indexErr  error
}

// loaded is a parsed cassette file with what matching needs.
type loaded struct {
	file   string
	entry  *Entry
	key    string
	status string
	body   []byte // the response body to send, origin not yet put back
}

type named struct {
	base string
	n    int
	file string
}

// Load opens the cassette in dir. Files are parsed when a request needs
// them; every *.yaml file in dir must be a cassette entry (ParseEntry),
// and an error names the file.
func Load(dir string, o Options) (*Replayer, error) {
	files, err := listFiles(dir)
	if err != nil {
		return nil, fmt.Errorf("cassette %s: %w (record one with sluice run PIPELINE.yaml --record %s)", dir, err, dir)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("cassette %s has no recorded requests (record one with sluice run PIPELINE.yaml --record %s)", dir, dir)
	}
	r := &Replayer{dir: dir, sc: newScrubber(o), files: len(files), repeat: map[string]int{},
		served: map[string]int{}}
	for _, f := range files {
		r.repeat[f.base] = max(r.repeat[f.base], f.n)
	}
	return r, nil
}

// listFiles lists the *.yaml files of dir by base name and repeat number.
func listFiles(dir string) ([]named, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []named
	for _, de := range des {
		name := de.Name()
		if de.IsDir() || !strings.HasSuffix(name, ".yaml") {
			continue
		}
		base, n := strings.TrimSuffix(name, ".yaml"), 1
		if i := strings.LastIndexByte(base, '.'); i >= 0 {
			if x, err := strconv.Atoi(base[i+1:]); err == nil {
				base, n = base[:i], x
			}
		}
		files = append(files, named{base, n, name})
	}
	sort.Slice(files, func(i, j int) bool {
		if files[i].base != files[j].base {
			return files[i].base < files[j].base
		}
		return files[i].n < files[j].n
	})
	return files, nil
}

// buildIndex parses every file, on every core.
func (r *Replayer) buildIndex() {
	files, err := listFiles(r.dir)
	if err != nil {
		r.indexErr = fmt.Errorf("cassette %s: %w", r.dir, err)
		return
	}
	entries := make([]*loaded, len(files))
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				entries[i], errs[i] = loadFile(r.dir, files[i].file)
			}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		r.indexErr = err
		return
	}
	r.entries = entries
	r.index = map[string][]*loaded{}
	for _, l := range entries {
		r.index[l.key] = append(r.index[l.key], l)
	}
}

// loadFile reads and parses one cassette file.
func loadFile(dir, name string) (*loaded, error) {
	path := filepath.Join(dir, name)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cassette %s: %w", dir, err)
	}
	e, err := parse(data, false)
	if err != nil {
		return nil, fmt.Errorf("cassette file %s: %v", path, err)
	}
	return &loaded{
		file:   name,
		entry:  e,
		key:    key(e.Request.Method, e.Request.URL, e.reqBytes),
		status: strconv.Itoa(e.Response.Status) + " " + http.StatusText(e.Response.Status),
		body:   e.respBytes,
	}, nil
}

// Len returns the number of recorded requests.
func (r *Replayer) Len() int { return r.files }

// find returns the n-th recording (1-based; the last one once they are
// used up) of the request with key k, or nil.
func (r *Replayer) find(method, u, k string, n int) (*loaded, error) {
	name := fileName(method, u, k, 1)
	base := strings.TrimSuffix(name, ".yaml")
	if top := r.repeat[base]; top > 0 {
		// Read on each request, not kept: a run's memory stays that of
		// one page, as with a live server (sluice runs under a 40 MiB
		// soft memory limit, which a cassette of 1,000 pages would pass).
		l, err := loadFile(r.dir, fileName(method, u, k, min(n, top)))
		if err != nil {
			return nil, err
		}
		if l.key == k {
			return l, nil
		}
	}
	r.indexOnce.Do(r.buildIndex)
	if r.indexErr != nil {
		return nil, r.indexErr
	}
	if list := r.index[k]; len(list) > 0 {
		return list[min(n, len(list))-1], nil
	}
	return nil, nil
}

// RoundTrip answers req from the cassette: the next recording of its key
// (the last one again once they are used up), with the base origin put
// back into its headers and body.
func (r *Replayer) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
	}
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	u := r.sc.url(req.URL.String())
	body := r.sc.requestBody(req.Header.Get("Content-Type"), reqBody)
	stored, _ := NewBody(body).Bytes()
	k := key(req.Method, u, stored)

	r.mu.Lock()
	r.served[k]++
	n := r.served[k]
	r.mu.Unlock()
	l, err := r.find(req.Method, u, k, n)
	if err != nil {
		return nil, &Error{Msg: err.Error()}
	}
	if l == nil {
		return nil, r.missing(req.Method, u, body)
	}

	h := make(http.Header, len(l.entry.Response.Headers))
	for k, vs := range l.entry.Response.Headers {
		c := make([]string, len(vs))
		for i, v := range vs {
			c[i] = r.restore(v)
		}
		h[k] = c
	}
	out := l.body
	if r.sc.origin != "" && bytes.Contains(out, []byte(Origin)) {
		out = bytes.ReplaceAll(out, []byte(Origin), []byte(r.sc.origin))
	}
	return &http.Response{
		Status:        l.status,
		StatusCode:    l.entry.Response.Status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(out)),
		ContentLength: int64(len(out)),
		Request:       req,
	}, nil
}

// restore puts the replaying run's base origin in place of Origin.
func (r *Replayer) restore(s string) string {
	if r.sc.origin == "" {
		return s
	}
	return strings.ReplaceAll(s, Origin, r.sc.origin)
}

// missing describes a request the cassette lacks, with the nearest
// recorded one.
func (r *Replayer) missing(method, u string, body []byte) error {
	r.indexOnce.Do(r.buildIndex)
	var b strings.Builder
	fmt.Fprintf(&b, "cassette %s has no recorded answer for %s %s", r.dir, method, u)
	if len(body) > 0 {
		fmt.Fprintf(&b, " with body %s", snippet(body, 200))
	}
	if n := r.nearest(method, u, body); n != nil {
		fmt.Fprintf(&b, "; the nearest recorded request is %s %s", n.entry.Request.Method, n.entry.Request.URL)
		if rb, _ := n.entry.Request.Body.Bytes(); len(rb) > 0 {
			fmt.Fprintf(&b, " with body %s", snippet(rb, 200))
		}
		fmt.Fprintf(&b, " (%s)", n.file)
	}
	b.WriteString("; the pipeline now sends requests the recording did not: record the cassette again with sluice run PIPELINE.yaml --record " + r.dir)
	return &Error{Msg: b.String()}
}

func snippet(b []byte, n int) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

// nearest is the recorded request closest to the given one: the same
// method first, then the smallest edit distance between URL and body.
func (r *Replayer) nearest(method, u string, body []byte) *loaded {
	want := u + " " + string(body)
	var best *loaded
	bestScore := -1
	for _, l := range r.entries {
		rb, _ := l.entry.Request.Body.Bytes()
		score := distance(want, l.entry.Request.URL+" "+string(rb))
		if !strings.EqualFold(l.entry.Request.Method, method) {
			score += 1 << 20
		}
		if bestScore < 0 || score < bestScore {
			best, bestScore = l, score
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b, each cut to 512
// bytes.
func distance(a, b string) int {
	if len(a) > 512 {
		a = a[:512]
	}
	if len(b) > 512 {
		b = b[:512]
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
