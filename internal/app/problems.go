package app

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"

	"github.com/slack-go/slack"
)

// slackRefusals are the errors with which Slack refuses a token itself: the only ones after
// which the token is named as the thing to fix.
var slackRefusals = []string{"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive", "not_allowed_token_type"}

// slackProblem says what went wrong with a Slack call made with the token in variable: the
// token is named only when Slack refused it, and a network failure is said to be one.
func slackProblem(err error, variable, apiURL string) string {
	if network, ok := networkProblem(err, apiURL); ok {
		return network
	}
	se, ok := errors.AsType[slack.SlackErrorResponse](err)
	if !ok {
		return err.Error()
	}
	if !slices.Contains(slackRefusals, se.Err) {
		return se.Err
	}
	if variable == "SLACK_APP_TOKEN" {
		return se.Err + " (check SLACK_APP_TOKEN: an app-level token, xapp-…, with the connections:write scope, from the app's Basic Information page, with Socket Mode on)"
	}
	return se.Err + " (check " + variable + ")"
}

// networkProblem says, for an error with which a request never reached the service (a name
// that does not resolve, a refused or dropped connection, a certificate that does not
// verify, no answer in time), that the network is to blame, with the host: no token is.
func networkProblem(err error, apiURL string) (string, bool) {
	host := apiURL
	if u, parseErr := url.Parse(apiURL); parseErr == nil && u.Host != "" {
		host = u.Host
	}
	var (
		dnsErr  *net.DNSError
		certErr *tls.CertificateVerificationError
		unknown x509.UnknownAuthorityError
		badHost x509.HostnameError
		opErr   *net.OpError
		netErr  net.Error
		what    string
	)
	switch {
	case errors.As(err, &dnsErr):
		what = "cannot resolve " + host
	case errors.As(err, &certErr), errors.As(err, &unknown), errors.As(err, &badHost):
		what = "the TLS certificate of " + host + " does not verify (a proxy that inspects TLS needs its CA trusted)"
	case errors.As(err, &opErr):
		what = "cannot connect to " + host
	case errors.As(err, &netErr) && netErr.Timeout():
		what = "no answer from " + host + " in time"
	default:
		return "", false
	}
	return fmt.Sprintf("network problem: %s (%v); if this machine reaches the internet through a proxy, set HTTPS_PROXY", what, err), true
}
