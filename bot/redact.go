package bot

import (
	"errors"
	"net/url"
	"strings"
)

// withoutURL strips a URL out of an error, keeping what went wrong ("connection refused",
// "slack server error: 404 Not Found").
func withoutURL(err error, rawURL string) error {
	if err == nil {
		return nil
	}
	if urlErr, ok := errors.AsType[*url.Error](err); ok {
		err = urlErr.Err
	}
	msg := strings.ReplaceAll(err.Error(), rawURL, "[response_url]")
	if u, parseErr := url.Parse(rawURL); parseErr == nil && u.Path != "" {
		msg = strings.ReplaceAll(msg, u.Path, "[response_url]")
	}
	return &redactedError{msg: "response_url: " + msg, err: err}
}

// redactedError keeps the original error reachable for errors.Is/As (a slack.StatusCodeError,
// a context deadline) while its text carries no credential.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }

func (e *redactedError) Unwrap() error { return e.err }
