// Package slackauth knows which Slack error codes mean that Slack no longer accepts a token:
// retrying cannot help, an admin must reinstall the app or replace the token. The bot tells
// people so, and the metrics count them.
package slackauth

// Refused reports whether Slack's error code means the token was refused.
func Refused(code string) bool {
	switch code {
	case "invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive", "ekm_access_denied":
		return true
	}
	return false
}
