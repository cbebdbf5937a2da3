package slackfake

import (
	"encoding/json"
	"time"

	"github.com/slack-go/slack"
)

// Interaction sends an interactive envelope carrying cb, filling what Slack
// always supplies when the test left it empty: TriggerID (bound to cb.User),
// Team, APIAppID, Token, User.TeamID, ActionTs for shortcuts, and a
// ResponseURL where Slack gives one (message shortcuts and block_actions on
// a message; global shortcuts and view interactions get none). It returns
// the envelope ID.
func (s *Server) Interaction(cb slack.InteractionCallback) string {
	s.t.Helper()
	if cb.Type == "" {
		s.t.Errorf("slackfake: Interaction: callback has no Type")
		return ""
	}
	s.mu.Lock()
	s.completeCallbackLocked(&cb)
	var user map[string]any
	if cb.User.ID != "" {
		user = s.userObjectLocked(cb.User.ID)
	}
	now := s.now()
	s.mu.Unlock()

	// InteractionCallback's MarshalJSON has a pointer receiver; marshalling
	// the value would silently drop the block_actions state.
	raw, err := json.Marshal(&cb)
	if err != nil {
		s.t.Errorf("slackfake: Interaction: %v", err)
		return ""
	}
	return s.send(kindInteractive, tidyInteraction(raw, user, now))
}

func (s *Server) completeCallbackLocked(cb *slack.InteractionCallback) {
	if cb.TriggerID == "" {
		viewID := cb.View.ID
		if viewID == "" {
			viewID = cb.Container.ViewID
		}
		cb.TriggerID = s.issueTriggerLocked(cb.User.ID, viewID)
	}
	if cb.Team.ID == "" {
		cb.Team.ID, cb.Team.Domain = teamID, teamDomain
	}
	if cb.APIAppID == "" {
		cb.APIAppID = appID
	}
	if cb.Token == "" {
		cb.Token = verificationToken
	}
	if cb.User.TeamID == "" {
		cb.User.TeamID, _ = s.userOrgLocked(cb.User.ID)
	}
	if cb.User.Name != "" {
		s.state.userNames[cb.User.ID] = cb.User.Name
	}
	isShortcut := cb.Type == slack.InteractionTypeShortcut || cb.Type == slack.InteractionTypeMessageAction
	if cb.ActionTs == "" && isShortcut {
		cb.ActionTs = slackTS(s.now())
	}
	if cb.ResponseURL == "" && getsResponseURL(cb) {
		cb.ResponseURL = s.newResponseURLLocked("actions")
	}
}

// getsResponseURL follows Slack's payload reference: only interactions that
// happen on a message come with a response_url.
func getsResponseURL(cb *slack.InteractionCallback) bool {
	switch cb.Type {
	case slack.InteractionTypeMessageAction:
		return true
	case slack.InteractionTypeBlockActions:
		return cb.Container.Type == "message"
	}
	return false
}

// tidyInteraction reshapes slack-go's marshalling of a callback into what
// Slack sends: slack-go writes every field of every struct, Slack only the
// ones that apply. Empty top-level fields and placeholder objects go, the
// user becomes Slack's four-field user object, the view loses the API
// response fields slack.View embeds, actions and state values keep only the
// fields that apply (actions always with an action_ts), and block_actions
// always carry state.
func tidyInteraction(raw []byte, user map[string]any, now time.Time) json.RawMessage {
	fields, err := decodeObject(raw)
	if err != nil {
		return raw
	}
	placeholders := map[string]string{
		"view": "id", "message": "ts", "original_message": "ts", "channel": "id", "container": "type",
	}
	for key, idField := range placeholders {
		if object, ok := fields[key].(map[string]any); ok && stringField(object, idField) == "" {
			delete(fields, key)
		}
	}
	for key, value := range fields {
		if _, isBool := value.(bool); !isBool && isBlank(value) {
			delete(fields, key)
		}
	}
	if fields["type"] != string(slack.InteractionTypeViewClosed) {
		delete(fields, "is_cleared")
	}
	fields["enterprise"] = nil
	fields["team"] = compact(fields["team"])
	tidyActions(fields["actions"], now)
	if user != nil {
		fields["user"] = user
	}
	if view, ok := fields["view"].(map[string]any); ok {
		for _, key := range []string{"ok", "error", "warning", "errors", "response_metadata", "needed", "provided"} {
			delete(view, key)
		}
		tidyState(view["state"])
	}
	tidyState(fields["state"])
	if fields["type"] == string(slack.InteractionTypeBlockActions) && fields["state"] == nil {
		fields["state"] = map[string]any{"values": map[string]any{}}
	}
	return mustJSON(fields)
}

func tidyActions(actions any, now time.Time) {
	list, _ := actions.([]any)
	for _, item := range list {
		if action, ok := compact(item).(map[string]any); ok && action["action_ts"] == nil {
			action["action_ts"] = slackTS(now)
		}
	}
}

// tidyState compacts each action in a {"values": {block: {action: …}}} state.
func tidyState(state any) {
	object, _ := state.(map[string]any)
	blocks, _ := object["values"].(map[string]any)
	for _, block := range blocks {
		actions, _ := block.(map[string]any)
		for actionID, action := range actions {
			actions[actionID] = compact(action)
		}
	}
}

// userObjectLocked is the "user" object Slack puts in interaction payloads.
func (s *Server) userObjectLocked(userID string) map[string]any {
	name := s.userNameLocked(userID)
	team, _ := s.userOrgLocked(userID)
	return map[string]any{"id": userID, "username": name, "name": name, "team_id": team}
}

// interactionBaseLocked holds the fields every interaction payload shares.
func (s *Server) interactionBaseLocked(kind, userID, triggerID string) map[string]any {
	return map[string]any{
		"type":                  kind,
		"team":                  map[string]any{"id": teamID, "domain": teamDomain},
		"user":                  s.userObjectLocked(userID),
		"api_app_id":            appID,
		"token":                 verificationToken,
		"trigger_id":            triggerID,
		"is_enterprise_install": false,
		"enterprise":            nil,
	}
}
