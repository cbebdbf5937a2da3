package applivery

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Sentinel errors an *ErrorResponse matches with errors.Is. Callers branch
// on these rather than on raw status codes because Applivery reports the
// reason in its own error code, which is more precise than the HTTP status.
var (
	// ErrNotFound: the organization, store, published app or OTP user does
	// not exist (code 3001 or HTTP 404).
	ErrNotFound = errors.New("applivery: not found")
	// ErrUnauthorized: the token is missing, invalid or lacks permission
	// (codes 4002/4004, the assumed 4003, or HTTP 401/403).
	ErrUnauthorized = errors.New("applivery: unauthorized")
	// ErrForbidden: the token is valid but lacks the permission the call
	// needs (the assumed code 4003, or HTTP 403); ErrorResponse.Permission
	// names it.
	// Every error matching ErrForbidden matches ErrUnauthorized too.
	ErrForbidden = errors.New("applivery: forbidden")
	// ErrValidation: the request was rejected as invalid (code 6001, the
	// assumed 6002, or HTTP 400/422).
	ErrValidation = errors.New("applivery: validation failed")
	// ErrLimitExceeded: the plan's limit was reached (the assumed code 5017).
	ErrLimitExceeded = errors.New("applivery: limit exceeded")
	// ErrRateLimited: the API asked us to slow down (HTTP 429).
	ErrRateLimited = errors.New("applivery: rate limited")
	// ErrServer: the API or a proxy in front of it failed (HTTP 5xx).
	ErrServer = errors.New("applivery: server error")
	// ErrFilterTooLong: a listing's filter text is longer than Applivery
	// accepts (see MaxFilterLength); no request was made.
	ErrFilterTooLong = errors.New("applivery: filter too long")
)

// Applivery error codes. The API reference documents four of them.
const (
	CodeEntityNotFound          = 3001 // documented
	CodeNoAuthToken             = 4002 // documented
	CodeInvalidToken            = 4004 // documented
	CodeDatabaseValidationError = 6001 // documented; also what a duplicate tester is answered
)

// Codes the reference does not document, assumed from the numbering of the
// documented ones and from what Applivery's dashboard reports. Nothing here
// depends on them alone: each class also has an HTTP status that decides it
// (403, 400) or, for a plan's limit, a generic failure shown with
// Applivery's own message.
const (
	CodeForbidden           = 4003 // assumed: a valid token without the permission
	CodeLimitExceeded       = 5017 // assumed: the plan's limit was reached
	CodeBodyValidationError = 6002 // assumed: the request body is invalid
)

// ErrorResponse is an unsuccessful answer from the API: a non-2xx status, a
// body with "status": false, or a 2xx body that could not be decoded.
type ErrorResponse struct {
	StatusCode int    // HTTP status code
	Code       int    // Applivery error code, 0 when the body carried none
	Message    string // Applivery message, or a short snippet of a non-JSON body
	// Permission is the permission the token lacks, as named in the API
	// reference (e.g. PermissionListStores), when the error matches
	// ErrForbidden; empty otherwise.
	Permission string
	// RetryAfter is the wait a 429 or 503 asked for in its Retry-After
	// header; zero when it asked for none.
	RetryAfter time.Duration

	method string // of the request
	path   string // URL path of the request (no query, no token)
}

// Error describes the failure without the token or query string, so it is
// safe to log and to show to users.
func (e *ErrorResponse) Error() string {
	msg := fmt.Sprintf("applivery: %s %s: HTTP %d", e.method, e.path, e.StatusCode)
	if text := http.StatusText(e.StatusCode); text != "" {
		msg += " " + text
	}
	if e.Code != 0 {
		msg += fmt.Sprintf(" (code %d)", e.Code)
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Permission != "" {
		msg += " (the token lacks permission " + e.Permission + ")"
	}
	return msg
}

// Is reports whether the error belongs to the class of a sentinel such as
// ErrNotFound. A known Applivery code decides the class on its own; the
// HTTP status is the fallback for codes we do not know and for proxies
// that answer without a code.
func (e *ErrorResponse) Is(target error) bool {
	switch target {
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrServer:
		return e.StatusCode >= 500
	case ErrForbidden:
		return e.forbidden()
	}
	if kind := kindOfCode(e.Code); kind != nil {
		return kind == target
	}
	return kindOfStatus(e.StatusCode) == target
}

// forbidden: Applivery's code says so, or, for a body without a known
// code, the HTTP status does.
func (e *ErrorResponse) forbidden() bool {
	if e.Code == CodeForbidden {
		return true
	}
	return kindOfCode(e.Code) == nil && e.StatusCode == http.StatusForbidden
}

func kindOfCode(code int) error {
	switch code {
	case CodeEntityNotFound:
		return ErrNotFound
	case CodeNoAuthToken, CodeForbidden, CodeInvalidToken:
		return ErrUnauthorized
	case CodeDatabaseValidationError, CodeBodyValidationError:
		return ErrValidation
	case CodeLimitExceeded:
		return ErrLimitExceeded
	}
	return nil
}

func kindOfStatus(status int) error {
	switch status {
	case http.StatusNotFound:
		return ErrNotFound
	case http.StatusUnauthorized, http.StatusForbidden:
		return ErrUnauthorized
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return ErrValidation
	}
	return nil
}

// OutcomeUnknown reports whether err comes from a create that may have
// succeeded on the server even though the client saw a failure (a timeout,
// a dropped connection, a 5xx, or an unreadable success body). The client
// never retries such a create itself; the caller should look the user up
// (FindOTPUser) before creating again.
func OutcomeUnknown(err error) bool {
	_, ok := errors.AsType[*outcomeUnknownError](err)
	return ok
}

// MayStillLand reports whether err is an OutcomeUnknown create that got no
// answer: it timed out, its connection dropped after it was written, or a
// gateway answered 502 or 504 without Applivery's JSON body. The server may
// still be working on it, so a look-up now can miss a tester it creates a
// moment later: wait out the client's timeout first. Any other unknown
// outcome was answered (a 5xx of Applivery's own, an unreadable 2xx), the
// server is done with it, and a look-up at once tells the truth.
func MayStillLand(err error) bool {
	unknown, ok := errors.AsType[*outcomeUnknownError](err)
	return ok && unknown.mayStillLand
}

// outcomeUnknownError wraps the failure of a create whose effect is unknown
// while keeping the underlying error reachable for errors.Is/As.
type outcomeUnknownError struct {
	err          error
	mayStillLand bool // no answer came: see MayStillLand
}

func (e *outcomeUnknownError) Error() string {
	return e.err.Error() + " (the create may have succeeded)"
}

func (e *outcomeUnknownError) Unwrap() error { return e.err }
