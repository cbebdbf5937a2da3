package slackfake

import "github.com/slack-go/slack"

// SubmitView sends the view_submission Slack would send when userID presses
// Submit on the stored view viewID: callback_id, private_metadata, blocks
// and hash come from the view as the bot last set it, and values become
// view.state.values (block_id -> action_id -> value). An action without a
// Type gets the type of the matching element in the view, and zero-valued
// fields are left out, as Slack does. It returns the envelope ID.
func (s *Server) SubmitView(viewID, userID string, values map[string]map[string]slack.BlockAction) string {
	s.t.Helper()
	s.mu.Lock()
	view, ok := s.state.views[viewID]
	if !ok {
		s.mu.Unlock()
		s.t.Errorf("slackfake: SubmitView(%q): no such view", viewID)
		return ""
	}
	submitted := cloneObject(view.fields)
	submitted["state"] = map[string]any{"values": stateValues(submitted, values)}
	payload := s.interactionBaseLocked(string(slack.InteractionTypeViewSubmission), userID,
		s.issueTriggerLocked(userID, viewID))
	payload["view"] = submitted
	payload["response_urls"] = []any{}
	s.mu.Unlock()

	return s.send(kindInteractive, mustJSON(payload))
}

// stateValues renders the submitted values in Slack's compact shape.
func stateValues(view map[string]any, values map[string]map[string]slack.BlockAction) map[string]any {
	out := map[string]any{}
	for blockID, actions := range values {
		block := map[string]any{}
		for actionID, action := range actions {
			if action.Type == "" {
				action.Type = slack.ActionType(elementType(view, blockID, actionID))
			}
			fields, _ := objectFields(action) // a BlockAction always marshals
			delete(fields, "action_id")       // implied by the key, as in Slack
			delete(fields, "block_id")
			block[actionID] = compact(fields)
		}
		out[blockID] = block
	}
	return out
}

// elementType finds the type of the element actionID inside blockID.
func elementType(view map[string]any, blockID, actionID string) string {
	for _, hit := range findElements(view["blocks"]) {
		if hit.blockID == blockID && stringField(hit.element, "action_id") == actionID {
			return stringField(hit.element, "type")
		}
	}
	return ""
}
