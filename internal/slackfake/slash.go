package slackfake

import (
	"encoding/json"
	"strings"
)

// SlashCommand is what a user typed; the fake fills in everything Slack adds.
type SlashCommand struct {
	UserID      string
	UserName    string // defaults to the user ID in lower case
	ChannelID   string
	ChannelName string // defaults to the AddChannel name, else Slack's placeholder
	Command     string // defaults to "/invite-tester"
	Text        string
}

// SlashCommand sends a slash_commands envelope with a fresh trigger_id and
// response_url, and returns the envelope ID. Payload shows what was sent.
func (s *Server) SlashCommand(cmd SlashCommand) string {
	s.mu.Lock()
	if cmd.Command == "" {
		cmd.Command = defaultCommand
	}
	if cmd.UserName != "" {
		s.state.userNames[cmd.UserID] = cmd.UserName
	}
	// Slash command payloads are form fields re-encoded as JSON, so every
	// value is a string, is_enterprise_install included.
	payload := map[string]string{
		"token":                 verificationToken,
		"team_id":               teamID,
		"team_domain":           teamDomain,
		"channel_id":            cmd.ChannelID,
		"channel_name":          s.channelNameLocked(cmd.ChannelID, cmd.ChannelName),
		"user_id":               cmd.UserID,
		"user_name":             s.userNameLocked(cmd.UserID),
		"command":               cmd.Command,
		"text":                  cmd.Text,
		"api_app_id":            appID,
		"is_enterprise_install": "false",
		"response_url":          s.newResponseURLLocked("commands"),
		"trigger_id":            s.issueTriggerLocked(cmd.UserID, ""),
	}
	s.mu.Unlock()
	return s.send(kindSlashCommand, mustJSON(payload))
}

// channelNameLocked picks the channel_name Slack would send: the real name,
// or its placeholders for DMs and private groups.
func (s *Server) channelNameLocked(id, given string) string {
	if given != "" {
		return given
	}
	if ch, ok := s.state.channels[id]; ok {
		return ch.name
	}
	switch {
	case strings.HasPrefix(id, "D"):
		return "directmessage"
	case strings.HasPrefix(id, "G"):
		return "privategroup"
	}
	return strings.ToLower(id)
}

// Payload returns the payload of an envelope the fake sent, so a test can
// read the trigger_id or response_url the bot was given.
func (s *Server) Payload(envelopeID string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	env, ok := s.state.envelopes[envelopeID]
	if !ok {
		return nil, false
	}
	return append(json.RawMessage(nil), env.payload...), true
}
