package bot

import (
	"log"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSocketModeLogKeepsWhyTheConnectionEnded(t *testing.T) {
	l := NewSocketModeLog()
	lib := log.New(l, "", 0) // as socketmode.OptionLog writes to it

	lib.Print(`Received WebSocket message: {"type":"disconnect","reason":"link_disabled","debug_info":{"host":"applink-1"}}`)
	lib.Print("Reconnecting due to disconnection requested: Slack requested us to disconnect")
	assert.Equal(t, "Slack asked the bot to reconnect (reason: link_disabled)", l.takeReason())
	assert.Empty(t, l.takeReason(), "taken once")

	lib.Print(`Received WebSocket message: {"type":"slash_commands","payload":{"text":"alice@example.com"}}`)
	lib.Print("Reconnecting due to ping timeout: Slack did not send us WebSocket PING for more than Client.maxInterval")
	assert.Equal(t, "ping timeout: Slack did not send us WebSocket PING for more than Client.maxInterval", l.takeReason())

	var none *SocketModeLog
	assert.Empty(t, none.takeReason(), "Deps without a SocketLog")
}
