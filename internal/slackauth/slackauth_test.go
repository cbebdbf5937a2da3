package slackauth_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/testerbot/testerbot/internal/slackauth"
)

func TestRefusedKnowsTheCodesOfARefusedToken(t *testing.T) {
	for _, code := range []string{"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"} {
		assert.True(t, slackauth.Refused(code), code)
	}
	for _, code := range []string{"", "ratelimited", "channel_not_found", "missing_scope", "internal_error"} {
		assert.False(t, slackauth.Refused(code), code)
	}
}
