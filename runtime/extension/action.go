package extension

import "context"

// Verdict is what a response action decides about a response.
type Verdict int

const (
	// Continue handles the response as if no action had matched: a 2xx is
	// a page, a 429 or 5xx is retried, another error status fails.
	Continue Verdict = iota
	// Ignore ends the request chain without the response: the pages read
	// before it are kept, the run goes on.
	Ignore
	// Retry sends the request again with the client's backoff, within its
	// max_attempts.
	Retry
	// Fail fails the resource with the response's status and body.
	Fail
)

// String names the verdict as the YAML does.
func (v Verdict) String() string {
	switch v {
	case Ignore:
		return "ignore"
	case Retry:
		return "retry"
	case Fail:
		return "fail"
	}
	return "continue"
}

// ResponseAction reacts to a response that matched its entry of
// `response_actions` (the engine does the status_code and content
// matching). It runs on every attempt, before the response is judged a
// success or an error, and must be safe for concurrent use. A scripted
// action may change the response (its status, headers or decoded body)
// before it returns Continue.
type ResponseAction interface {
	Act(ctx context.Context, resp *Response) (Verdict, error)
}

// VerdictAction is a ResponseAction that always decides the same: the
// built-in ignore, retry and fail.
type VerdictAction Verdict

// Act returns the verdict.
func (a VerdictAction) Act(context.Context, *Response) (Verdict, error) { return Verdict(a), nil }

var _ ResponseAction = VerdictAction(Continue)
