package applivery

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/url"
)

// ErrHostUnusable: the API host cannot be used at all, whatever the request: its name does not
// resolve, or its TLS certificate is not trusted. Retrying cannot help; an admin must fix
// APPLIVERY_API_URL, the DNS or the trusted certificates. Every *HostError matches it.
var ErrHostUnusable = errors.New("applivery: the API host cannot be used")

// HostError is a failure to reach the API host that is a configuration problem, not an outage.
type HostError struct {
	Host  string // the API host, as in the base URL
	Cause string // "no such host", "TLS certificate not trusted: …"
	Err   error  // the underlying error
}

func (e *HostError) Error() string { return e.Host + ": " + e.Cause }

// Unwrap lets errors.Is match ErrHostUnusable and errors.As reach the underlying error.
func (e *HostError) Unwrap() []error { return []error{ErrHostUnusable, e.Err} }

// hostProblem returns the HostError that err is, or nil when err may go away by itself (a
// timeout, a refused connection, a DNS server that did not answer).
func hostProblem(host string, err error) *HostError {
	if dnsErr, ok := errors.AsType[*net.DNSError](err); ok && dnsErr.IsNotFound {
		return &HostError{Host: host, Cause: "no such host", Err: err}
	}
	if _, ok := errors.AsType[*tls.CertificateVerificationError](err); ok {
		return &HostError{Host: host, Cause: "TLS certificate not trusted: " + certificateProblem(err), Err: err}
	}
	if _, ok := errors.AsType[tls.RecordHeaderError](err); ok {
		return &HostError{Host: host, Cause: "the host does not speak TLS (is APPLIVERY_API_URL's scheme right?)", Err: err}
	}
	return nil
}

func certificateProblem(err error) string {
	var unknown x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &unknown):
		return "unknown authority"
	case errors.As(err, &hostname):
		return "issued for another host"
	case errors.As(err, &invalid):
		return invalid.Error()
	}
	return err.Error()
}

// hostOf is the host of a base URL, for HostError.
func hostOf(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil {
		return ""
	}
	return u.Host
}
