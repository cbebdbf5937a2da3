package app_test

// End-to-end tests of the access holes a security review found (issue 17).

import (
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/internal/slackfake"
)

// A request approved after its channel moved to another app of the same store invites nobody
// into the retired app, and the lead is told what changed.
func TestApprovingARequestWhoseChannelMovedToAnotherAppInvitesNobody(t *testing.T) {
	h := askHarness(t)
	h.command(stranger, iosChan, "alice@example.com")
	ask := h.askMessage(iosChan)

	moved := strings.Replace(leadsMapping, `  - channel: C0IOSBETA1
    store: 64a1b2c3d4e5f6a7b8c9d0e1
    apps:
      - id: 64a1b2c3d4e5f6a7b8c9d0e2
        name: Acme iOS beta`, `  - channel: C0IOSBETA1
    store: 64a1b2c3d4e5f6a7b8c9d0e1
    apps:
      - id: 64a1b2c3d4e5f6a7b8c9d0e3
        name: Acme Android beta`, 1)
	require.NotEqual(t, leadsMapping, moved)
	require.NoError(t, os.WriteFile(h.env["CHANNELS_FILE"], []byte(moved), 0o600))
	h.waitUntilLogged(`"msg":"mapping file reloaded"`, 10*time.Second)

	h.slack.ClickButton(lead, "ask_approve", "", slackfake.InMessage(iosChan, ask.TS))
	h.waitPrivateAnswer("no longer invites into *Acme iOS beta*")
	assert.Zero(t, h.applivery.Count(http.MethodPost, "/otp-users"), "nothing is created in the retired app")
	assert.Empty(t, h.applivery.OTPUsers(store))
}
