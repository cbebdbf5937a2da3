package bot

import (
	"encoding/json"
	"strings"
	"sync"
)

// SocketModeLog is the log of slack-go's Socket Mode client (socketmode.OptionLog), read for the
// one thing its events never say: why a connection ended. The library turns Slack's
// "disconnect" request into an internal error without passing its reason on, and a ping timeout
// or a close frame ends the connection with no event at all; it only says either in its debug
// lines ("Received WebSocket message: …", "Reconnecting due to …"). So the client runs with
// debug on, this writer keeps the last reason, and drops every other line: they would put each
// envelope's payload in the log.
type SocketModeLog struct {
	mu        sync.Mutex
	requested string // the reason of Slack's last disconnect request
	reason    string // why the last connection ended, "" once taken

	// onLinkDisabled is told, before the library reconnects, that Slack said link_disabled.
	onLinkDisabled func()
}

// NewSocketModeLog returns a writer for log.New, to pass to socketmode.OptionLog and Deps.
func NewSocketModeLog() *SocketModeLog { return &SocketModeLog{} }

const (
	receivedPrefix    = "Received WebSocket message: "
	reconnectPrefix   = "Reconnecting due to "
	disconnectRequest = "disconnection requested"
)

// Write takes one line of the library's log.
func (l *SocketModeLog) Write(p []byte) (int, error) {
	line := strings.TrimSpace(string(p))
	switch {
	case strings.HasPrefix(line, receivedPrefix):
		var msg struct{ Type, Reason string }
		if json.Unmarshal([]byte(strings.TrimPrefix(line, receivedPrefix)), &msg) == nil && msg.Type == "disconnect" {
			l.mu.Lock()
			l.requested = msg.Reason
			disabled := l.onLinkDisabled
			l.mu.Unlock()
			if msg.Reason == "link_disabled" && disabled != nil {
				disabled()
			}
		}
	case strings.HasPrefix(line, reconnectPrefix):
		cause := strings.TrimPrefix(line, reconnectPrefix)
		l.mu.Lock()
		if strings.HasPrefix(cause, disconnectRequest) {
			cause = "Slack asked the bot to reconnect (reason: " + orNone(l.requested) + ")"
		}
		l.reason, l.requested = cause, ""
		l.mu.Unlock()
	}
	return len(p), nil
}

// takeReason returns why the last connection ended, once.
func (l *SocketModeLog) takeReason() string {
	if l == nil {
		return ""
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.reason
	l.reason = ""
	return r
}

func orNone(s string) string {
	if s == "" {
		return "none given"
	}
	return s
}
