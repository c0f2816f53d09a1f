package redact

// Error wraps err so that its text is redacted (known secrets and the
// secret-looking parts of any URL in it, see Text). The text is redacted
// when it is asked for, so secrets added later are masked too. errors.Is
// and errors.As still see err through Unwrap. A nil err gives nil, and an
// error already wrapped by r is returned as is.
func (r *Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	if e, ok := err.(*redactedError); ok && e.r == r {
		return err
	}
	return &redactedError{err: err, r: r}
}

type redactedError struct {
	err error
	r   *Redactor
}

func (e *redactedError) Error() string { return e.r.Text(e.err.Error()) }
func (e *redactedError) Unwrap() error { return e.err }
