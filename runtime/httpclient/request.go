package httpclient

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sluicehq/sluice/runtime/extension"
)

// attempt sends one attempt of req and reads the whole response. It
// returns the URL it sent to (for messages), the origin it withheld
// credentials from ("" when it withheld none), and an error wrapped in
// *fatalError when retrying cannot help. When auth prepared the request,
// c.authed (if non-nil) gets the request as auth left it, for a
// Refresher.
func (c *Client) attempt(ctx context.Context, method string, req *extension.Request, auth extension.Authenticator, authed **extension.Request) (*extension.Response, string, string, error) {
	r := req.Clone()
	r.Method = method
	u, err := url.Parse(r.URL)
	if err != nil {
		return nil, req.URL, "", &fatalError{fmt.Errorf("invalid URL: %w", err)}
	}
	origin, err := originOf(u)
	if err != nil {
		return nil, req.URL, "", &fatalError{fmt.Errorf("invalid URL: %w", err)}
	}
	if r.Header == nil {
		r.Header = http.Header{}
	}
	withheld := ""
	if c.trusted(origin) {
		if auth != nil {
			if err := authenticate(ctx, auth, r); err != nil {
				return nil, req.URL, "", err
			}
			// An auth that fetches its credentials (OAuth2) knows them
			// only now: mask them from this attempt's messages on.
			c.red.Add(auth.Secrets()...)
			if authed != nil {
				*authed = r
			}
		}
	} else {
		if c.withhold(r.Header, r.Query) || auth != nil {
			withheld = origin
			c.warnWithheld(method, req.URL, origin)
		}
	}
	actx, cancel := ctx, context.CancelFunc(func() {})
	if c.retry.Timeout > 0 {
		actx, cancel = context.WithTimeout(ctx, c.retry.Timeout)
	}
	defer cancel()
	hreq, err := NewHTTPRequest(actx, r, c.o.UserAgent)
	if err != nil {
		return nil, req.URL, withheld, &fatalError{err}
	}
	sent := hreq.URL.String()

	if c.log.Enabled(ctx, slog.LevelDebug) {
		c.log.DebugContext(ctx, method+" "+c.red.URL(sent),
			"headers", c.red.Header(hreq.Header))
	}
	if c.slots != nil {
		select {
		case c.slots <- struct{}{}:
			defer func() { <-c.slots }()
		case <-ctx.Done():
			return nil, sent, withheld, ctx.Err()
		}
	}
	hresp, err := c.hc.Do(hreq)
	if err != nil {
		return nil, sent, withheld, c.transportError(actx, err)
	}
	defer hresp.Body.Close()
	body, err := c.readBody(hresp)
	if err != nil {
		return nil, sent, withheld, c.transportError(actx, err)
	}
	final := sent
	if hresp.Request != nil && hresp.Request.URL != nil {
		final = hresp.Request.URL.String()
	}
	return extension.NewResponse(hresp.StatusCode, hresp.Header, body, final, c.dec), sent, withheld, nil
}

// transportError describes a failed attempt; actx is the attempt's context.
func (c *Client) transportError(actx context.Context, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // its text repeats the unredacted URL
	}
	var tooLarge *BodyTooLargeError
	if errors.As(err, &tooLarge) || isPermanent(err) {
		return &fatalError{err}
	}
	if errors.Is(actx.Err(), context.DeadlineExceeded) {
		return &TimeoutError{After: c.retry.Timeout}
	}
	return err
}

// TimeoutError is an attempt that ran past Options.Timeout. It is not
// context.DeadlineExceeded, which means the caller's own context ended.
type TimeoutError struct{ After time.Duration }

func (e *TimeoutError) Error() string { return fmt.Sprintf("no complete response within %s", e.After) }

// Timeout reports true, as net.Error does.
func (e *TimeoutError) Timeout() bool { return true }

// BodyTooLargeError is a response body over Options.MaxBodyBytes.
type BodyTooLargeError struct{ Limit int64 }

func (e *BodyTooLargeError) Error() string {
	return fmt.Sprintf("response body is larger than %d bytes (%d MiB); raise the limit or page the endpoint", e.Limit, e.Limit>>20)
}

// readBody reads the whole body, decoding gzip and deflate, up to
// MaxBodyBytes.
func (c *Client) readBody(resp *http.Response) ([]byte, error) {
	var rd io.Reader = resp.Body
	enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding")))
	if !resp.Uncompressed && (enc == "gzip" || enc == "x-gzip" || enc == "deflate") {
		br := bufioPeek{r: resp.Body}
		if br.empty() {
			return nil, br.err
		}
		var err error
		var dr io.ReadCloser
		if enc == "deflate" {
			dr, err = zlib.NewReader(&br)
		} else {
			dr, err = gzip.NewReader(&br)
		}
		if err != nil {
			return nil, fmt.Errorf("decoding %s body: %w", enc, err)
		}
		defer dr.Close()
		rd = dr
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
	}
	var buf bytes.Buffer
	if enc == "" && resp.ContentLength > 0 && resp.ContentLength <= c.o.MaxBodyBytes {
		buf.Grow(int(resp.ContentLength) + 1)
	}
	n, err := buf.ReadFrom(io.LimitReader(rd, c.o.MaxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading body: %w", err)
	}
	if n > c.o.MaxBodyBytes {
		return nil, &BodyTooLargeError{Limit: c.o.MaxBodyBytes}
	}
	return buf.Bytes(), nil
}

// bufioPeek lets readBody see whether a compressed body is empty (a 204 or
// HEAD answer still labelled gzip) before starting a decoder on it.
type bufioPeek struct {
	r    io.Reader
	b    [1]byte
	have bool
	err  error
}

func (p *bufioPeek) empty() bool {
	n, err := io.ReadFull(p.r, p.b[:])
	if n == 1 {
		p.have = true
		return false
	}
	if err != io.EOF && err != io.ErrUnexpectedEOF {
		p.err = err
	}
	return true
}

func (p *bufioPeek) Read(b []byte) (int, error) {
	if p.have && len(b) > 0 {
		b[0] = p.b[0]
		p.have = false
		return 1, nil
	}
	return p.r.Read(b)
}

// NewHTTPRequest builds the *http.Request for r as dlt does (§2): Query
// added to the URL's own query (lists repeated), a non-nil JSON sent as
// application/json (even {} on a GET), else Body sent as is, r.Header
// copied, and User-Agent, Accept: application/json and Accept-Encoding:
// gzip added unless r sets them. The method defaults to GET.
func NewHTTPRequest(ctx context.Context, r *extension.Request, userAgent string) (*http.Request, error) {
	full, err := r.FullURL()
	if err != nil {
		return nil, fmt.Errorf("invalid URL: %w", err)
	}
	u, err := url.Parse(full)
	if err != nil {
		return nil, fmt.Errorf("invalid URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("unsupported URL scheme %q (want http or https)", u.Scheme)
	}
	if u.Host == "" {
		return nil, errors.New("URL has no host")
	}
	body, contentType, err := BodyBytes(r)
	if err != nil {
		return nil, err
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	hreq, err := http.NewRequestWithContext(ctx, method, full, rd)
	if err != nil {
		return nil, fmt.Errorf("invalid request: %w", err)
	}
	if r.Header != nil {
		hreq.Header = r.Header.Clone()
	}
	if host := hreq.Header.Get("Host"); host != "" {
		hreq.Host = host
		hreq.Header.Del("Host")
	}
	if contentType != "" && hreq.Header.Get("Content-Type") == "" {
		hreq.Header.Set("Content-Type", contentType)
	}
	setDefault(hreq.Header, "User-Agent", userAgent)
	setDefault(hreq.Header, "Accept", "application/json")
	setDefault(hreq.Header, "Accept-Encoding", "gzip")
	return hreq, nil
}

// setDefault sets k unless the header has it, even with an empty value
// (which tells net/http to send none).
func setDefault(h http.Header, k, v string) {
	if _, ok := h[k]; !ok && v != "" {
		h.Set(k, v)
	}
}

// BodyBytes returns the body bytes r is sent with and the content type they
// need: the JSON encoding of r.JSON ("application/json") when it is
// non-nil, else r.Body and "" (the request's own Content-Type applies). A
// signer that hashes the body must hash these bytes.
func BodyBytes(r *extension.Request) ([]byte, string, error) {
	if r.JSON != nil {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r.JSON); err != nil {
			return nil, "", fmt.Errorf("encoding the JSON body: %w", err)
		}
		return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), "application/json", nil
	}
	return r.Body, "", nil
}

// Snippet returns at most the first n bytes of b as one line of valid
// UTF-8 (runs of white space become one space, a rune the cut split is
// dropped), with "…" when it was cut: the body excerpt of errors and logs.
// It does not redact.
func Snippet(b []byte, n int) string {
	cut := len(b) > n
	if cut {
		b = b[:n]
		// drop a rune the cut split
		for i := 0; i < utf8.UTFMax-1 && len(b) > 0; i++ {
			if r, size := utf8.DecodeLastRune(b); r != utf8.RuneError || size != 1 {
				break
			}
			b = b[:len(b)-1]
		}
	}
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	s = strings.Join(strings.Fields(s), " ")
	if cut {
		s += "…"
	}
	return s
}
