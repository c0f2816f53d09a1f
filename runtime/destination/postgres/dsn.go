package postgres

import (
	"errors"
	"net/url"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// redacted replaces a password wherever sluice prints a DSN or an error.
const redacted = "xxxxx"

// kvPassword matches the password of a key/value DSN ("password=…", quoted
// or not).
var kvPassword = regexp.MustCompile(`(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'?|\S*)`)

// Display returns dsn without its password, for printing: the URL form
// (`postgresql://user:pw@host/db?password=pw`) loses the password of its
// user info and of its query; the key/value form (`host=h password=pw`)
// shows "password=xxxxx". Text that is neither is printed as "postgres DSN"
// if it might hold a password.
func Display(dsn string) string {
	shown := display(dsn)
	// whatever the form, the password as libpq would read it never shows
	if pw := password(dsn); pw != "" {
		for _, f := range []string{pw, url.QueryEscape(pw), url.PathEscape(pw), url.UserPassword("", pw).String()[1:]} {
			if f != "" && strings.Contains(shown, f) {
				shown = strings.ReplaceAll(shown, f, redacted)
			}
		}
	}
	return shown
}

func display(dsn string) string {
	lower := strings.ToLower(dsn)
	if strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "postgres DSN (unparsable URL)"
		}
		if u.User != nil {
			if _, has := u.User.Password(); has {
				u.User = url.UserPassword(u.User.Username(), redacted)
			}
		}
		q := u.Query()
		for k := range q {
			if strings.EqualFold(k, "password") {
				q.Set(k, redacted)
			}
		}
		if len(q) > 0 {
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	return kvPassword.ReplaceAllString(dsn, "${1}"+redacted)
}

// password returns the password a DSN holds, "" when none or unparsable.
func password(dsn string) string {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return ""
	}
	return cfg.Password
}

// redactError returns err with every occurrence of the password replaced,
// so that no message sluice prints carries it (pgx's connection errors name
// the host, user and database; a server may echo more).
func redactError(err error, pw string) error {
	if err == nil || pw == "" || !strings.Contains(err.Error(), pw) {
		return err
	}
	return &redactedError{msg: strings.ReplaceAll(err.Error(), pw, redacted), err: err}
}

// redactedError is an error whose message had the password removed; it
// still unwraps to the original for errors.As (pgconn.PgError codes).
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// pgCode returns the SQLSTATE of a server error, "" for other errors.
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}
