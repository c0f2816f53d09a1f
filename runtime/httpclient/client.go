// Package httpclient sends sluice's HTTP requests: it turns an
// extension.Request into an HTTP request the way dlt's client does (dlt
// reference §2), applies the auth last on every attempt (only to the
// origins allowed to receive credentials, see Options.AuthOrigins, and
// checking that the auth changed neither method, scheme, host nor port),
// throttles to the client's rate limit, retries 429, 5xx, connection errors
// and timeouts with exponential backoff (§7.2) as its RetryPolicy says,
// reads and un-gzips the body, and keeps every secret out of its logs and
// errors.
//
// One Client serves every resource of a source: its connection pool and its
// rate limiter are shared, and it is safe for concurrent use.
package httpclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/jsondec"
	"github.com/sluicehq/sluice/runtime/redact"
)

// Defaults of the retry policy (dlt's RUNTIME__REQUEST_*) and of the zero
// fields of Options.
const (
	DefaultMaxAttempts         = 5
	DefaultBackoffFactor       = 1.0
	DefaultMaxDelay            = 300 * time.Second
	DefaultTimeout             = 60 * time.Second
	DefaultMaxBodyBytes  int64 = 512 << 20
	DefaultUserAgent           = "sluice"
	maxRedirects               = 30 // as requests
)

// RetryPolicy says how often and how patiently a request is retried. The
// client uses it as it is: there is no "zero means the default" in it.
type RetryPolicy struct {
	// MaxAttempts is the total number of attempts per request; 1 means no
	// retry. Below 1 counts as 1.
	MaxAttempts int
	// BackoffFactor, in seconds: before retry n (n = 1, 2, …) the client
	// waits BackoffFactor × 2^(n-1), capped at MaxDelay, plus up to 10 %
	// jitter (dlt waits 1, 2, 4, 8 s, without jitter). 0 (or less): no
	// wait between attempts.
	BackoffFactor float64
	// MaxDelay caps every wait, Retry-After included. 0 (or less): no
	// wait at all.
	MaxDelay time.Duration
	// Timeout bounds each attempt, from sending to the last body byte. 0
	// (or less): no bound but the caller's context.
	Timeout time.Duration
}

// DefaultRetryPolicy is dlt's: 5 attempts, backoff factor 1 s, waits
// capped at 300 s, 60 s per attempt.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: DefaultMaxAttempts, BackoffFactor: DefaultBackoffFactor, MaxDelay: DefaultMaxDelay, Timeout: DefaultTimeout}
}

// Options configures a Client. Zero fields take the defaults.
type Options struct {
	// Retry is the retry policy, used as it is; nil means
	// DefaultRetryPolicy().
	Retry *RetryPolicy
	// AuthOrigins are the origins (scheme://host[:port], see Origin) whose
	// requests get credentials: the Authenticator passed to Do, and the
	// request headers and query parameters that carry a secret (a name
	// IsSensitiveHeader reports, or a value the Redactor knows). A request
	// to any other origin, e.g. a next-page link to another host, is sent
	// without them, and a warning says so once per origin. The same rule
	// holds for redirects. Empty: every origin gets the credentials except
	// on a redirect to an origin other than the request's own.
	AuthOrigins []string
	// RequestsPerSecond throttles the client before every attempt (0: no
	// throttle); Burst is how many requests may go at once (default 1). The
	// limiter is shared by every resource of the client.
	RequestsPerSecond float64
	Burst             int
	// MaxInFlight caps the requests in flight at once across every caller
	// of the client (client.concurrency); 0: no cap. A request holds its
	// slot while it is sent and its body read, not while it waits for a
	// retry or the rate limiter.
	MaxInFlight int
	// UserAgent is sent unless the request has its own; "sluice/<version>".
	UserAgent string
	// Logger gets "GET <url>" at debug level before each attempt and a
	// warning before each retry. URLs are redacted here; the logger should
	// redact too (redact.Handler). Nil discards.
	Logger *slog.Logger
	// Redactor masks secrets in logs and errors. The secrets of every
	// Authenticator passed to Do are added to it. Nil: a new one.
	Redactor *redact.Redactor
	// Decoder decodes response bodies on demand. Nil: jsondec.New().
	Decoder extension.Decoder
	// Transport sends the requests. Nil: a tuned *http.Transport (pooled,
	// MaxIdleConnsPerHost 32, proxy from the environment). The client asks
	// for gzip itself and decodes it, whatever the transport.
	Transport http.RoundTripper
	// Sleep waits d or until ctx is done, whichever is first, and returns
	// ctx.Err() in the second case. Retries and the rate limiter wait
	// through it. Nil: a real timer. Tests inject a recorder.
	Sleep func(ctx context.Context, d time.Duration) error
	// MaxBodyBytes caps a response body, after gzip decoding. Default
	// 512 MiB; a larger body fails the request without a retry.
	MaxBodyBytes int64
}

// Client sends requests. It is safe for concurrent use.
type Client struct {
	o       Options
	retry   RetryPolicy
	origins map[string]bool // AuthOrigins, normalised; nil: all
	warned  sync.Map        // origin → true, once warned about withheld credentials
	err     error           // a bad Options field: every Do fails with it
	hc      *http.Client
	limiter *rate.Limiter
	slots   chan struct{} // MaxInFlight; nil: no cap
	log     *slog.Logger
	red     *redact.Redactor
	dec     extension.Decoder
	sleep   func(context.Context, time.Duration) error
}

// New returns a Client with o's zero fields set to the defaults. An
// AuthOrigins entry that is not an absolute http(s) URL makes every
// request fail with an error that names it (check them first with Origin).
func New(o Options) *Client {
	retry := DefaultRetryPolicy()
	if o.Retry != nil {
		retry = *o.Retry
	}
	retry.MaxAttempts = max(retry.MaxAttempts, 1)
	retry.BackoffFactor = max(retry.BackoffFactor, 0)
	retry.MaxDelay = max(retry.MaxDelay, 0)
	retry.Timeout = max(retry.Timeout, 0)
	var origins map[string]bool
	var bad error
	for _, a := range o.AuthOrigins {
		or, err := Origin(a)
		if err != nil {
			bad = errors.Join(bad, fmt.Errorf("auth origin %q: %w", a, err))
			continue
		}
		if origins == nil {
			origins = map[string]bool{}
		}
		origins[or] = true
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.UserAgent == "" {
		o.UserAgent = DefaultUserAgent
	}
	c := &Client{o: o, retry: retry, origins: origins, err: bad, log: o.Logger, red: o.Redactor, dec: o.Decoder, sleep: o.Sleep}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.red == nil {
		c.red = redact.New()
	}
	if c.dec == nil {
		c.dec = jsondec.New()
	}
	if c.sleep == nil {
		c.sleep = SleepContext
	}
	if o.RequestsPerSecond > 0 {
		burst := o.Burst
		if burst <= 0 {
			burst = 1
		}
		c.limiter = rate.NewLimiter(rate.Limit(o.RequestsPerSecond), burst)
	}
	if o.MaxInFlight > 0 {
		c.slots = make(chan struct{}, o.MaxInFlight)
	}
	tr := o.Transport
	if tr == nil {
		tr = NewTransport()
	}
	c.hc = &http.Client{
		Transport:     tr,
		CheckRedirect: c.checkRedirect,
	}
	return c
}

// HTTPClient returns an *http.Client on the client's transport (its
// connection pool) with the per-attempt timeout as its Timeout, for
// requests an extension makes on its own, such as an OAuth2 token request
// (see extension.WithHTTPClient). It does not retry or throttle.
func (c *Client) HTTPClient() *http.Client {
	return &http.Client{Transport: c.hc.Transport, Timeout: c.retry.Timeout}
}

// Retry returns the retry policy the client uses.
func (c *Client) Retry() RetryPolicy { return c.retry }

// NewTransport returns the transport New uses by default: a clone of
// http.DefaultTransport with a larger idle pool per host and its own gzip
// handling switched off (the client does it).
func NewTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 128
	t.MaxIdleConnsPerHost = 32
	t.IdleConnTimeout = 90 * time.Second
	t.DisableCompression = true
	return t
}

// Limiter returns the client's rate limiter, or nil when it does not
// throttle.
func (c *Client) Limiter() *rate.Limiter { return c.limiter }

// Redactor returns the redactor the client masks secrets with.
func (c *Client) Redactor() *redact.Redactor { return c.red }

// Verdict is a Classifier's decision about one received response.
type Verdict int

const (
	// Default retries 429 and 5xx and accepts everything else.
	Default Verdict = iota
	// Retry retries the response while attempts remain (a response action
	// `retry`, e.g. on a 200 whose body says "try again").
	Retry
	// Accept returns the response as it is, without a retry.
	Accept
)

// Classifier looks at each received response, on every attempt, and
// decides whether it is retried. It may read resp.JSON().
type Classifier func(resp *extension.Response) Verdict

// Do sends req and returns the response. The auth, when non-nil, is
// applied last on a copy of req for every attempt, so every retry carries
// it (and a signature is fresh); req itself is not changed.
//
// It retries 429 and 5xx responses, connection errors and timeouts, up to
// MaxAttempts in all, waiting as Retry-After says (seconds or an HTTP
// date, at most MaxDelay) or else with exponential backoff. A final status
// of 400 or more returns the response and a *StatusError. Running out of
// attempts on connection errors returns a *RequestError. When ctx is done
// Do returns at once with an error that wraps ctx.Err().
func (c *Client) Do(ctx context.Context, req *extension.Request, auth extension.Authenticator) (*extension.Response, error) {
	return c.DoClassified(ctx, req, auth, nil)
}

// DoClassified is Do with a Classifier that decides, for each received
// response, whether it is retried (nil: Default for all). A response it
// keeps retrying until the attempts run out is returned with a
// *StatusError, whatever its status.
func (c *Client) DoClassified(ctx context.Context, req *extension.Request, auth extension.Authenticator, classify Classifier) (*extension.Response, error) {
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	if c.err != nil {
		return nil, &RequestError{Method: method, URL: c.red.URL(req.URL), Attempts: 0, Err: c.err}
	}
	if auth != nil {
		c.red.Add(auth.Secrets()...)
	}
	refresher, _ := auth.(extension.Refresher)
	refreshed := false
	for attempt := 1; ; attempt++ {
		if err := c.throttle(ctx); err != nil {
			return nil, c.cancelled(method, req.URL, err)
		}
		var authed *extension.Request
		resp, sentURL, withheld, err := c.attempt(ctx, method, req, auth, &authed)
		last := attempt >= c.retry.MaxAttempts
		if err != nil {
			if ctx.Err() != nil {
				return nil, c.cancelled(method, sentURL, ctx.Err())
			}
			var fatal *fatalError
			if errors.As(err, &fatal) {
				return nil, &RequestError{Method: method, URL: c.red.URL(sentURL), Attempts: attempt, Err: c.red.Error(fatal.err)}
			}
			if last {
				return nil, &RequestError{Method: method, URL: c.red.URL(sentURL), Attempts: attempt, Err: c.red.Error(err)}
			}
			wait := c.Backoff(attempt)
			c.warnRetry(ctx, method, sentURL, attempt, wait, c.red.Text(err.Error()))
			if err := c.sleep(ctx, wait); err != nil {
				return nil, c.cancelled(method, sentURL, err)
			}
			continue
		}

		verdict := Default
		if classify != nil {
			verdict = classify(resp)
		}
		if verdict == Default && resp.Status == http.StatusUnauthorized && refresher != nil && authed != nil && !refreshed {
			// Credentials that went stale early (a revoked OAuth2
			// token): fetch fresh ones once and send again at once,
			// outside the retry budget; a second 401 is the error.
			refreshed = true
			if err := refresher.Refresh(ctx, authed); err != nil {
				if ctx.Err() != nil {
					return nil, c.cancelled(method, sentURL, ctx.Err())
				}
				return nil, &RequestError{Method: method, URL: c.red.URL(sentURL), Attempts: attempt,
					Err: c.red.Error(fmt.Errorf("401 Unauthorized; refreshing the credentials of auth %s failed: %w", authName(auth), err))}
			}
			c.log.InfoContext(ctx, fmt.Sprintf("%s %s: 401 Unauthorized; sending again with refreshed credentials", method, c.red.URL(sentURL)))
			attempt--
			continue
		}
		retry := verdict == Retry || (verdict == Default && retryableStatus(resp.Status))
		if !retry {
			if resp.Status >= 400 {
				return resp, c.statusError(method, sentURL, resp, attempt, withheld)
			}
			return resp, nil
		}
		if last {
			return resp, c.statusError(method, sentURL, resp, attempt, withheld)
		}
		wait, ok := c.retryAfter(resp.Header)
		if !ok {
			wait = c.Backoff(attempt)
		}
		c.warnRetry(ctx, method, sentURL, attempt, wait, statusText(resp.Status))
		if err := c.sleep(ctx, wait); err != nil {
			return nil, c.cancelled(method, sentURL, err)
		}
	}
}

func retryableStatus(code int) bool {
	return code == http.StatusTooManyRequests || (code >= 500 && code <= 599)
}

// Backoff is the wait before retry number attempt (1 for the first retry)
// when the response gives no Retry-After: BackoffFactor × 2^(attempt-1)
// seconds, capped at MaxDelay, plus up to 10 % jitter (never beyond
// MaxDelay). Response actions that retry use it too.
func (c *Client) Backoff(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	secs := c.retry.BackoffFactor * math.Pow(2, float64(attempt-1))
	max := c.retry.MaxDelay.Seconds()
	if secs > max || math.IsInf(secs, 0) || math.IsNaN(secs) {
		secs = max
	}
	secs += secs * 0.1 * rand.Float64()
	if secs > max {
		secs = max
	}
	return time.Duration(secs * float64(time.Second))
}

// retryAfter parses a Retry-After header: delay seconds or an HTTP date,
// clamped to [0, MaxDelay].
func (c *Client) retryAfter(h http.Header) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	var d time.Duration
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if math.IsNaN(secs) {
			return 0, false
		}
		if secs > c.retry.MaxDelay.Seconds() {
			return c.retry.MaxDelay, true
		}
		d = time.Duration(secs * float64(time.Second))
	} else if t, err := http.ParseTime(v); err == nil {
		d = time.Until(t)
	} else {
		return 0, false
	}
	return min(max(d, 0), c.retry.MaxDelay), true
}

// throttle waits for the rate limiter.
func (c *Client) throttle(ctx context.Context) error {
	if c.limiter == nil {
		return ctx.Err()
	}
	r := c.limiter.Reserve()
	if !r.OK() {
		return errors.New("rate limiter cannot grant a request (burst < 1)")
	}
	if d := r.Delay(); d > 0 {
		if err := c.sleep(ctx, d); err != nil {
			r.Cancel()
			return err
		}
	}
	return ctx.Err()
}

func (c *Client) warnRetry(ctx context.Context, method, rawURL string, attempt int, wait time.Duration, reason string) {
	c.log.WarnContext(ctx, fmt.Sprintf("%s %s: %s; retrying in %s (attempt %d of %d)",
		method, c.red.URL(rawURL), reason, wait.Round(time.Millisecond), attempt+1, c.retry.MaxAttempts),
		"method", method, "url", c.red.URL(rawURL), "reason", reason,
		"wait", wait, "attempt", attempt, "max_attempts", c.retry.MaxAttempts)
}

func (c *Client) cancelled(method, rawURL string, err error) error {
	return fmt.Errorf("%s %s: %w", method, c.red.URL(rawURL), err)
}

func (c *Client) statusError(method, rawURL string, resp *extension.Response, attempts int, withheld string) *StatusError {
	return &StatusError{
		Status:   resp.Status,
		Method:   method,
		URL:      c.red.URL(rawURL),
		Body:     Snippet([]byte(c.red.Text(string(resp.Body))), 512),
		Attempts: attempts,
		Withheld: withheld,
	}
}

// StatusError is a response with a status of 400 or more (or one retried
// until the attempts ran out). Every field is already redacted.
type StatusError struct {
	Status int
	Method string
	URL    string
	// Body is the first 512 bytes of the redacted body, as valid UTF-8 on
	// one line. Redaction comes before the cut, so that a secret the cut
	// would split is never shown in part.
	Body string
	// Attempts is how many attempts were made.
	Attempts int
	// Withheld is the origin the request was sent to without credentials
	// because it is not one of Options.AuthOrigins; "" when none were
	// withheld.
	Withheld string
}

// Error reads "GET https://h/p?token=***: 404 Not Found: <body>", with
// "(after N attempts)" after the status when the request was retried.
func (e *StatusError) Error() string {
	var b strings.Builder
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.URL)
	b.WriteString(": ")
	b.WriteString(statusText(e.Status))
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	if e.Body != "" {
		b.WriteString(": ")
		b.WriteString(e.Body)
	}
	if e.Withheld != "" && (e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden) {
		fmt.Fprintf(&b, " (sent without credentials: %s is not the base_url's origin; list it in client.auth_origins if it should get them)", e.Withheld)
	}
	return b.String()
}

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return strconv.Itoa(code) + " " + t
	}
	return strconv.Itoa(code)
}

// RequestError is a request that got no response: connection errors or
// timeouts on every attempt, or a failure no retry can fix (a bad URL, an
// auth error, a body over the size cap, a TLS certificate error). URL and
// Err are redacted.
type RequestError struct {
	Method   string
	URL      string
	Attempts int
	Err      error
}

func (e *RequestError) Error() string {
	if e.Attempts > 1 {
		return fmt.Sprintf("%s %s: giving up after %d attempts: %v", e.Method, e.URL, e.Attempts, e.Err)
	}
	return fmt.Sprintf("%s %s: %v", e.Method, e.URL, e.Err)
}

func (e *RequestError) Unwrap() error { return e.Err }

// fatalError marks an attempt error that a retry cannot fix.
type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }
func (e *fatalError) Unwrap() error { return e.err }

// isPermanent reports transport errors that a retry cannot fix: TLS
// certificate errors, and any error with a Permanent method that reports
// true (a transport's own verdict, such as a cassette replay that lacks
// the request).
func isPermanent(err error) bool {
	var perm interface{ Permanent() bool }
	if errors.As(err, &perm) && perm.Permanent() {
		return true
	}
	var (
		cv  *tls.CertificateVerificationError
		ua  x509.UnknownAuthorityError
		he  x509.HostnameError
		ci  x509.CertificateInvalidError
		rec tls.RecordHeaderError
	)
	return errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &he) ||
		errors.As(err, &ci) || errors.As(err, &rec)
}

// SleepContext waits d or until ctx is done, whichever comes first, and
// returns ctx's error in the second case: the real Options.Sleep.
func SleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// StatusErrorFor describes resp as a *StatusError (URL and body excerpt
// redacted), for a response the caller refuses although its status is a
// success: a response action's fail.
func (c *Client) StatusErrorFor(method, rawURL string, resp *extension.Response) *StatusError {
	return c.statusError(method, rawURL, resp, 1, "")
}
