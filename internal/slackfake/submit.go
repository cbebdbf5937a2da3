package slackfake

import "github.com/slack-go/slack"

// SubmitView sends the view_submission Slack would send when userID presses
// Submit on the stored view viewID: callback_id, private_metadata, blocks
// and hash come from the view as the bot last set it, and values become
// view.state.values (block_id -> action_id -> value), on top of any option
// picked with SelectOption. An action without a Type gets the type of the
// matching element in the view, a selected_option given by value alone gets
// the text people saw (see SelectOption), and zero-valued fields are left
// out, as Slack does. It returns the envelope ID.
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
	submitted["state"] = map[string]any{"values": s.stateValuesLocked(viewID, submitted, values)}
	payload := s.interactionBaseLocked(string(slack.InteractionTypeViewSubmission), userID,
		s.issueTriggerLocked(userID, viewID))
	payload["view"] = submitted
	payload["response_urls"] = []any{}
	s.mu.Unlock()

	return s.send(kindInteractive, mustJSON(payload))
}

// stateValuesLocked renders the submitted values in Slack's compact shape
// over the values the view's state already holds.
func (s *Server) stateValuesLocked(viewID string, view map[string]any, values map[string]map[string]slack.BlockAction) map[string]any {
	out := viewStateValues(view)
	for blockID, actions := range values {
		block, _ := out[blockID].(map[string]any)
		if block == nil {
			block = map[string]any{}
			out[blockID] = block
		}
		for actionID, action := range actions {
			hit, found := elementIn(view, blockID, actionID)
			if action.Type == "" {
				action.Type = slack.ActionType(stringField(hit.element, "type"))
			}
			fields, _ := objectFields(action) // a BlockAction always marshals
			delete(fields, "action_id")       // implied by the key, as in Slack
			delete(fields, "block_id")
			if picked := action.SelectedOption; found && picked.Value != "" && picked.Text == nil {
				fields["selected_option"], _ = s.optionLocked(viewID, hit, picked.Value)
			}
			block[actionID] = compact(fields)
		}
	}
	return out
}

// viewStateValues returns the view's state.values map, creating it if
// needed, so callers can edit it in place.
func viewStateValues(view map[string]any) map[string]any {
	state, _ := view["state"].(map[string]any)
	if state == nil {
		state = map[string]any{}
		view["state"] = state
	}
	values, _ := state["values"].(map[string]any)
	if values == nil {
		values = map[string]any{}
		state["values"] = values
	}
	return values
}

// elementIn finds the element actionID inside blockID.
func elementIn(view map[string]any, blockID, actionID string) (elementHit, bool) {
	for _, hit := range findElements(view["blocks"]) {
		if hit.blockID == blockID && stringField(hit.element, "action_id") == actionID {
			return hit, true
		}
	}
	return elementHit{}, false
}
