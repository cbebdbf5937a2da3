package slackfake

import (
	"fmt"

	"github.com/slack-go/slack"
)

// Surface says where a clicked element is displayed. Build one with
// OnHomeTab, InView or InMessage.
type Surface struct {
	home           bool
	viewID         string
	channel, msgTS string
}

// OnHomeTab is the clicking user's Home tab as the bot last published it.
func OnHomeTab() Surface { return Surface{home: true} }

// InView is a stored modal (or Home tab) by view ID.
func InView(viewID string) Surface { return Surface{viewID: viewID} }

// InMessage is a message the bot posted (ephemeral ones included).
func InMessage(channel, ts string) Surface { return Surface{channel: channel, msgTS: ts} }

// ClickButton sends the block_actions Slack would send when userID clicks the
// element with actionID on the surface. The element is looked up in what the
// bot actually posted, so its block_id, type and text are the real ones;
// value overrides the element's own value when non-empty. The payload gets a
// fresh trigger_id and, for messages, a response_url. It returns the
// envelope ID, or "" (failing the test) if there is no such element.
func (s *Server) ClickButton(userID, actionID, value string, where Surface) string {
	s.t.Helper()
	return s.sendInteraction(fmt.Sprintf("ClickButton(%q)", actionID), func() (map[string]any, error) {
		return s.blockActionsLocked(userID, actionID, value, where)
	})
}

// sendInteraction builds an interaction payload under the lock and delivers it. A payload that
// cannot be built fails the test, naming the call, and returns ""; so does a nil one, for an
// action Slack sends nothing for.
func (s *Server) sendInteraction(call string, buildLocked func() (map[string]any, error)) string {
	s.t.Helper()
	s.mu.Lock()
	payload, err := buildLocked()
	s.mu.Unlock()
	if err != nil {
		s.t.Errorf("slackfake: %s: %v", call, err)
		return ""
	}
	if payload == nil {
		return ""
	}
	return s.send(kindInteractive, mustJSON(payload))
}

func (s *Server) blockActionsLocked(userID, actionID, value string, where Surface) (map[string]any, error) {
	if where.home {
		where.viewID = s.state.homeViews[userID]
		if where.viewID == "" {
			return nil, fmt.Errorf("no Home tab published for %s", userID)
		}
	}
	if where.viewID != "" {
		return s.viewBlockActionsLocked(userID, actionID, value, where.viewID)
	}
	return s.messageBlockActionsLocked(userID, actionID, value, where.channel, where.msgTS)
}

func (s *Server) viewBlockActionsLocked(userID, actionID, value, viewID string) (map[string]any, error) {
	view, ok := s.state.views[viewID]
	if !ok {
		return nil, fmt.Errorf("no view %s", viewID)
	}
	action, err := clickedAction(view.fields["blocks"], actionID, value, s.now())
	if err != nil {
		return nil, err
	}
	return s.viewActionPayloadLocked(userID, viewID, view, action), nil
}

// viewActionPayloadLocked is the block_actions payload for an action taken
// in a view, which carries the view as it stands, state included.
func (s *Server) viewActionPayloadLocked(userID, viewID string, view *storedView, action map[string]any) map[string]any {
	payload := s.interactionBaseLocked(string(slack.InteractionTypeBlockActions), userID,
		s.issueTriggerLocked(userID, viewID))
	payload["container"] = map[string]any{"type": "view", "view_id": viewID}
	payload["view"] = cloneObject(view.fields)
	payload["actions"] = []any{action}
	payload["state"] = map[string]any{"values": map[string]any{}}
	return payload
}

func (s *Server) messageBlockActionsLocked(userID, actionID, value, channelID, ts string) (map[string]any, error) {
	msg := s.findAnyMessageLocked(channelID, ts)
	if msg == nil {
		return nil, fmt.Errorf("no message %s in %s", ts, channelID)
	}
	blocks, _ := decodeArray(msg.Blocks)
	action, err := clickedAction(blocks, actionID, value, s.now())
	if err != nil {
		return nil, err
	}
	container := map[string]any{
		"type": "message", "message_ts": ts, "channel_id": channelID, "is_ephemeral": msg.Ephemeral,
	}
	if msg.ThreadTS != "" {
		container["thread_ts"] = msg.ThreadTS
	}
	payload := s.interactionBaseLocked(string(slack.InteractionTypeBlockActions), userID,
		s.issueTriggerLocked(userID, ""))
	payload["container"] = container
	payload["channel"] = map[string]any{"id": channelID, "name": s.channelNameLocked(channelID, "")}
	if !msg.Ephemeral {
		payload["message"] = messageJSON(msg) // Slack omits it for ephemeral messages
	}
	payload["response_url"] = s.newResponseURLLocked("actions")
	payload["actions"] = []any{action}
	payload["state"] = map[string]any{"values": map[string]any{}}
	return payload, nil
}

// findAnyMessageLocked finds a message by channel and ts, ephemeral or not.
func (s *Server) findAnyMessageLocked(channel, ts string) *Message {
	for _, msg := range s.state.messages {
		if msg.Channel == channel && msg.TS == ts {
			return msg
		}
	}
	return nil
}
