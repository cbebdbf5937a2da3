package slackfake

import (
	"context"
	"encoding/json"
	"unicode/utf8"
)

// Message is a message the bot posted, as it currently reads.
type Message struct {
	Channel  string
	TS       string
	ThreadTS string // parent ts for thread replies, empty otherwise
	Text     string
	// User is the bot's user ID for ordinary messages and the recipient for
	// ephemeral ones, since that is who an ephemeral message is about.
	User   string
	Blocks json.RawMessage // the blocks JSON array as posted, nil if none
	// Ephemeral marks chat.postEphemeral messages, which only User sees and
	// which chat.update cannot touch.
	Ephemeral bool
	Updates   int // how many chat.update calls changed this message
}

func (s *Server) chatPostMessage(req *apiRequest) (reply, string) {
	msg, refusal, code := s.newMessageLocked(req)
	if code != "" {
		return refusal, code
	}
	msg.User = BotUserID
	msg.ThreadTS = req.args["thread_ts"]
	s.addMessageLocked(msg)
	return reply{"channel": msg.Channel, "ts": msg.TS, "message": messageJSON(msg)}, ""
}

func (s *Server) chatPostEphemeral(req *apiRequest) (reply, string) {
	msg, refusal, code := s.newMessageLocked(req)
	if code != "" {
		return refusal, code
	}
	if msg.User = req.args["user"]; msg.User == "" {
		return nil, "user_not_found"
	}
	msg.Ephemeral = true
	msg.ThreadTS = req.args["thread_ts"]
	s.addMessageLocked(msg)
	return reply{"message_ts": msg.TS}, ""
}

// addMessageLocked stores a new message, and a copy of it as posted for Posted.
func (s *Server) addMessageLocked(msg *Message) {
	s.state.messages = append(s.state.messages, msg)
	s.state.posted = append(s.state.posted, *msg)
}

// newMessageLocked validates what chat.postMessage and chat.postEphemeral
// share (channel, injected channel errors, content) and assigns a ts. A
// refusal comes with Slack's detail of what is wrong.
func (s *Server) newMessageLocked(req *apiRequest) (*Message, reply, string) {
	channel := req.args["channel"]
	if channel == "" {
		return nil, nil, "channel_not_found"
	}
	if code := s.state.channelErrors[channel]; code != "" {
		return nil, nil, code
	}
	if code := s.membershipErrorLocked(channel); code != "" {
		return nil, nil, code
	}
	text, blocks := req.args["text"], req.args["blocks"]
	if text == "" && blocks == "" && req.args["attachments"] == "" {
		return nil, nil, "no_text"
	}
	if refusal, code := checkContent(text, blocks); code != "" {
		return nil, refusal, code
	}
	msg := &Message{Channel: channel, TS: s.ids.messageTS(), Text: text}
	if blocks != "" {
		msg.Blocks = json.RawMessage(blocks)
	}
	return msg, nil, ""
}

// checkContent refuses the message content Slack refuses: blocks that are
// not an array, and what checkMessage finds.
func checkContent(text, blocks string) (reply, string) {
	var list []any
	if blocks != "" {
		var err error
		if list, err = decodeArray([]byte(blocks)); err != nil || !isJSONArray(blocks) {
			return nil, "invalid_blocks"
		}
	}
	if code, problems := checkMessage(text, list); code != "" {
		return refuse(code, problems)
	}
	return nil, ""
}

// checkMessage applies Slack's limits to a message: text of at most 40 000
// characters (msg_too_long) and blocks within Block Kit's limits
// (invalid_blocks, with the problems). Nil blocks are none.
func checkMessage(text string, blocks []any) (string, []problem) {
	if utf8.RuneCountInString(text) > maxMessageText {
		return "msg_too_long", nil
	}
	if blocks == nil {
		return "", nil
	}
	if problems := checkBlocks(blocks, "/blocks"); len(problems) > 0 {
		return "invalid_blocks", problems
	}
	return "", nil
}

// chatUpdate edits a message in place. Omitted fields keep their value,
// matching Slack's documented behaviour for blocks.
func (s *Server) chatUpdate(req *apiRequest) (reply, string) {
	msg := s.findMessageLocked(req.args["channel"], req.args["ts"])
	if msg == nil {
		return nil, "message_not_found"
	}
	blocks, hasBlocks := req.args["blocks"]
	if hasBlocks && blocks == "" {
		return nil, "invalid_blocks"
	}
	if refusal, code := checkContent(req.args["text"], blocks); code != "" {
		return refusal, code
	}
	if text, ok := req.args["text"]; ok {
		msg.Text = text
	}
	if hasBlocks {
		msg.Blocks = json.RawMessage(blocks)
	}
	msg.Updates++
	return reply{"channel": msg.Channel, "ts": msg.TS, "text": msg.Text, "message": messageJSON(msg)}, ""
}

// findMessageLocked finds a message the bot can update; ephemeral messages
// are not addressable by ts in Slack.
func (s *Server) findMessageLocked(channel, ts string) *Message {
	for _, msg := range s.state.messages {
		if msg.Channel == channel && msg.TS == ts && !msg.Ephemeral {
			return msg
		}
	}
	return nil
}

// messageJSON renders a stored message as Slack returns it in chat.*
// responses and in block_actions payloads.
func messageJSON(msg *Message) map[string]any {
	out := map[string]any{
		"type":   "message",
		"text":   msg.Text,
		"user":   BotUserID,
		"bot_id": botID,
		"app_id": appID,
		"team":   teamID,
		"ts":     msg.TS,
	}
	if msg.ThreadTS != "" {
		out["thread_ts"] = msg.ThreadTS
	}
	if len(msg.Blocks) > 0 {
		out["blocks"] = msg.Blocks
	}
	if msg.Updates > 0 {
		out["edited"] = map[string]any{"user": BotUserID, "ts": msg.TS}
	}
	return out
}

// Messages returns the channel's messages in posting order, ephemeral ones
// included, each as it reads after any updates.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var now []Message
	for _, msg := range s.state.messages {
		now = append(now, *msg)
	}
	return inChannel(now, channel)
}

// Posted returns the channel's messages in posting order, ephemeral ones included, each as it
// was posted: what the bot first said, before any chat.update (Updates is 0). Messages has them
// as they read now.
func (s *Server) Posted(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return inChannel(s.state.posted, channel)
}

// inChannel returns copies of the messages of channel, in order.
func inChannel(msgs []Message, channel string) []Message {
	var out []Message
	for _, msg := range msgs {
		if msg.Channel == channel {
			out = append(out, msg)
		}
	}
	return out
}

// WaitMessage blocks until the channel holds a message satisfying match (nil
// matches any) and returns the first one. Updates count: a message that
// matches only after chat.update is found then.
func (s *Server) WaitMessage(ctx context.Context, channel string, match func(Message) bool) (Message, error) {
	return waitFor(ctx, s, "message in "+channel, func() (Message, bool) {
		return first(s.Messages(channel), match)
	})
}

// Thread returns the replies posted under the message ts, in order, without
// the parent itself.
func (s *Server) Thread(channel, ts string) []Message {
	var replies []Message
	for _, msg := range s.Messages(channel) {
		if msg.ThreadTS == ts && msg.TS != ts {
			replies = append(replies, msg)
		}
	}
	return replies
}
