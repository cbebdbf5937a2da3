package applivery

import (
	"errors"
	"fmt"
	"net/http"
)

// Sentinel errors an *ErrorResponse matches with errors.Is. Callers branch
// on these rather than on raw status codes because Applivery reports the
// reason in its own error code, which is more precise than the HTTP status.
var (
	// ErrNotFound: the organization, store, published app or OTP user does
	// not exist (code 3001 or HTTP 404).
	ErrNotFound = errors.New("applivery: not found")
	// ErrUnauthorized: the token is missing, invalid or lacks permission
	// (codes 4002/4003/4004 or HTTP 401/403).
	ErrUnauthorized = errors.New("applivery: unauthorized")
	// ErrForbidden: the token is valid but lacks the permission the call
	// needs (code 4003 or HTTP 403); ErrorResponse.Permission names it.
	// Every error matching ErrForbidden matches ErrUnauthorized too.
	ErrForbidden = errors.New("applivery: forbidden")
	// ErrValidation: the request was rejected as invalid (codes 6001/6002 or
	// HTTP 400/422).
	ErrValidation = errors.New("applivery: validation failed")
	// ErrLimitExceeded: the plan's limit was reached (code 5017).
	ErrLimitExceeded = errors.New("applivery: limit exceeded")
	// ErrRateLimited: the API asked us to slow down (HTTP 429).
	ErrRateLimited = errors.New("applivery: rate limited")
	// ErrServer: the API or a proxy in front of it failed (HTTP 5xx).
	ErrServer = errors.New("applivery: server error")
	// ErrFilterTooLong: a listing's filter text is longer than Applivery
	// accepts (see MaxFilterLength); no request was made.
	ErrFilterTooLong = errors.New("applivery: filter too long")
)

// Applivery error codes documented in the API reference.
const (
	CodeEntityNotFound          = 3001
	CodeNoAuthToken             = 4002
	CodeForbidden               = 4003
	CodeInvalidToken            = 4004
	CodeLimitExceeded           = 5017
	CodeDatabaseValidationError = 6001
	CodeBodyValidationError     = 6002
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
	var unknown *outcomeUnknownError
	return errors.As(err, &unknown)
}

// outcomeUnknownError wraps the failure of a create whose effect is unknown
// while keeping the underlying error reachable for errors.Is/As.
type outcomeUnknownError struct {
	err error
}

func (e *outcomeUnknownError) Error() string {
	return e.err.Error() + " (the create may have succeeded)"
}

func (e *outcomeUnknownError) Unwrap() error { return e.err }
