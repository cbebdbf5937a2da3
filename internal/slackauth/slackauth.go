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

// RefusedAppToken reports whether Slack's answer to apps.connections.open means it refused the
// app-level token: a refusal of any token, or a token of the wrong type (a bot token given as
// SLACK_APP_TOKEN).
func RefusedAppToken(code string) bool { return Refused(code) || code == "not_allowed_token_type" }
