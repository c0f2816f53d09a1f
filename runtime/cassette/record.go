package cassette

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// entryName matches the files a Recorder writes: method, slug, hash and
// an optional repeat number.
var entryName = regexp.MustCompile(`^[a-z]+-[a-z0-9_-]*-[0-9a-f]{12}(\.[0-9]+)?\.yaml$`)

// Recorder is an http.RoundTripper that sends each request through Next
// and writes it and its response, redacted, to a cassette folder. It is
// safe for concurrent use.
type Recorder struct {
	dir  string
	next http.RoundTripper
	sc   *scrubber

	mu    sync.Mutex
	seen  map[string]int // key → requests recorded so far
	count int
}

// NewRecorder returns a Recorder that writes to dir, creating it, and
// removes the cassette files a previous recording left there (other
// files are kept). next sends the requests; nil means
// http.DefaultTransport.
func NewRecorder(dir string, next http.RoundTripper, o Options) (*Recorder, error) {
	if next == nil {
		next = http.DefaultTransport
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("--record %s: cannot create the cassette folder: %w", dir, err)
	}
	old, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("--record %s: %w", dir, err)
	}
	for _, e := range old {
		if !e.IsDir() && entryName.MatchString(e.Name()) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return nil, fmt.Errorf("--record %s: removing the previous recording: %w", dir, err)
			}
		}
	}
	return &Recorder{dir: dir, next: next, sc: newScrubber(o), seen: map[string]int{}}, nil
}

// Count returns how many requests have been recorded.
func (r *Recorder) Count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count
}

// RoundTrip sends req and records it with its response. The response's
// body is read whole and handed back decoded (no Content-Encoding). A
// cassette file that cannot be written fails the request.
func (r *Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	// Ask for an uncompressed body: the cassette stores it readable.
	if req.Header.Get("Accept-Encoding") != "" {
		req = req.Clone(req.Context())
		req.Header.Del("Accept-Encoding")
		if reqBody != nil {
			req.Body = io.NopCloser(bytes.NewReader(reqBody))
		}
	}
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := readDecoded(resp)
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	resp.Uncompressed = false

	if err := r.write(req, reqBody, resp, body); err != nil {
		return nil, &Error{Msg: fmt.Sprintf("--record %s: %v", r.dir, err)}
	}
	return resp, nil
}

// readDecoded reads the body of resp whole, un-gzipping it when the
// server compressed it anyway, and drops Content-Encoding.
func readDecoded(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	var rd io.Reader = resp.Body
	if enc := strings.ToLower(resp.Header.Get("Content-Encoding")); enc == "gzip" || enc == "x-gzip" {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			if err == io.EOF {
				resp.Header.Del("Content-Encoding")
				return nil, nil
			}
			return nil, fmt.Errorf("decoding gzip body: %w", err)
		}
		defer zr.Close()
		rd = zr
		resp.Header.Del("Content-Encoding")
	}
	b, err := io.ReadAll(rd)
	if err != nil {
		return nil, fmt.Errorf("reading body: %w", err)
	}
	return b, nil
}

func (r *Recorder) write(req *http.Request, reqBody []byte, resp *http.Response, body []byte) error {
	sc := r.sc
	e := &Entry{
		Request: Request{
			Method:  req.Method,
			URL:     sc.url(req.URL.String()),
			Headers: sc.headers(req.Header, droppedRequestHeaders),
			Body:    NewBody(sc.requestBody(req.Header.Get("Content-Type"), reqBody)),
		},
		Response: Response{
			Status:  resp.StatusCode,
			Headers: sc.headers(resp.Header, droppedResponseHeaders),
			Body:    NewBody(sc.responseBody(body)),
		},
	}
	stored, _ := e.Request.Body.Bytes()
	k := key(e.Request.Method, e.Request.URL, stored)
	data, err := e.Marshal()
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen[k]++
	r.count++
	name := fileName(e.Request.Method, e.Request.URL, k, r.seen[k])
	return os.WriteFile(filepath.Join(r.dir, name), data, 0o644)
}

// fileName names the n-th recording (1-based) of a request with key k.
func fileName(method, scrubbedURL, k string, n int) string {
	sum := sha256.Sum256([]byte(k))
	base := strings.ToLower(method) + "-" + slug(scrubbedURL) + "-" + hex.EncodeToString(sum[:6])
	if n > 1 {
		base += "." + strconv.Itoa(n)
	}
	return base + ".yaml"
}

// Error is a failure of the cassette itself (a request a replay lacks, a
// file that cannot be written). A client must not retry it: Permanent
// reports true.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

// Permanent reports that retrying cannot help.
func (e *Error) Permanent() bool { return true }
