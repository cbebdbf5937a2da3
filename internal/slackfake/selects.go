package slackfake

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// defaultMinQueryLength is how many characters Slack waits for before it
// asks for suggestions, unless the external select sets min_query_length.
const defaultMinQueryLength = 3

// Suggest sends the block_suggestion Slack sends while userID types value
// into the external select actionID of the stored view viewID, and returns
// the envelope ID. Slack asks only once min_query_length characters (3
// unless the element says otherwise) are typed, so asking with fewer, or for
// an element that is not an external select, fails the test and returns "".
// Read the bot's answer with WaitSuggestedOptions.
func (s *Server) Suggest(viewID, userID, actionID, value string) string {
	s.t.Helper()
	return s.sendInteraction(fmt.Sprintf("Suggest(%q)", actionID), func() (map[string]any, error) {
		return s.suggestionLocked(viewID, userID, actionID, value)
	})
}

func (s *Server) suggestionLocked(viewID, userID, actionID, value string) (map[string]any, error) {
	view, hit, err := s.viewElementLocked(viewID, actionID)
	if err != nil {
		return nil, err
	}
	if kind := stringField(hit.element, "type"); kind != "external_select" && kind != "multi_external_select" {
		return nil, fmt.Errorf("%s is a %s, not an external select", actionID, kind)
	}
	minLength := int64(defaultMinQueryLength)
	if n, ok := hit.element["min_query_length"].(json.Number); ok {
		minLength, _ = n.Int64()
	}
	if int64(utf8.RuneCountInString(value)) < minLength {
		return nil, fmt.Errorf("slack asks for suggestions from %d characters on, not for %q", minLength, value)
	}
	// Slack gives no trigger_id here: suggestions cannot open views.
	payload := s.interactionBaseLocked(string(slack.InteractionTypeBlockSuggestion), userID, "")
	delete(payload, "trigger_id")
	payload["container"] = map[string]any{"type": "view", "view_id": viewID}
	payload["view"] = cloneObject(view.fields)
	payload["action_id"] = actionID
	payload["block_id"] = hit.blockID
	payload["value"] = value
	return payload, nil
}

// WaitSuggestedOptions waits for the bot's answer to a Suggest envelope and
// returns the options it offered, those of option groups included, in order.
// An answer Slack refuses (see Ack.Error) is an error naming its problems.
func (s *Server) WaitSuggestedOptions(ctx context.Context, envelopeID string) ([]slack.OptionBlockObject, error) {
	ack, err := s.WaitAck(ctx, envelopeID)
	if err != nil {
		return nil, err
	}
	if ack.Error != "" {
		return nil, fmt.Errorf("slackfake: Slack refuses the suggestions (%s): %s", ack.Error, strings.Join(ack.Messages, "; "))
	}
	answer, _ := decodeObject(ack.Payload) // an accepted payload is an object or empty
	var options []slack.OptionBlockObject
	err = json.Unmarshal(mustJSON(menuOptions(answer)), &options)
	return options, err
}

// SelectOption picks the option with value in the select menu actionID of
// the stored view viewID, as userID would. In a static_select the option must
// be one the menu offers (else the test fails); in an external_select it is
// the option the bot last suggested with that value, or one whose text is
// the value. The choice lands in the view's state.values, so later clicks
// and SubmitView carry it. Slack then sends block_actions, and SelectOption
// returns its envelope ID, except for a menu in an input block without
// dispatch_action: Slack sends nothing for those, and it returns "".
func (s *Server) SelectOption(viewID, userID, actionID, value string) string {
	s.t.Helper()
	return s.sendInteraction(fmt.Sprintf("SelectOption(%q, %q)", actionID, value), func() (map[string]any, error) {
		return s.selectLocked(viewID, userID, actionID, value)
	})
}

// selectLocked records the choice and returns the block_actions payload, or
// nil when Slack sends none.
func (s *Server) selectLocked(viewID, userID, actionID, value string) (map[string]any, error) {
	view, hit, err := s.viewElementLocked(viewID, actionID)
	if err != nil {
		return nil, err
	}
	kind := stringField(hit.element, "type")
	if kind != "static_select" && kind != "external_select" {
		return nil, fmt.Errorf("%s is a %s, not a static or external select", actionID, kind)
	}
	option, offered := s.optionLocked(viewID, hit, value)
	if kind == "static_select" && !offered {
		return nil, fmt.Errorf("the menu offers no option with that value")
	}
	block, _ := viewStateValues(view.fields)[hit.blockID].(map[string]any)
	if block == nil {
		block = map[string]any{}
		viewStateValues(view.fields)[hit.blockID] = block
	}
	block[actionID] = map[string]any{"type": kind, "selected_option": option}
	if !hit.dispatches() {
		return nil, nil
	}
	action := hit.action(s.now())
	action["selected_option"] = option
	if placeholder, ok := hit.element["placeholder"]; ok {
		action["placeholder"] = placeholder
	}
	return s.viewActionPayloadLocked(userID, viewID, view, action), nil
}

// viewElementLocked finds a stored view and the element actionID in it.
func (s *Server) viewElementLocked(viewID, actionID string) (*storedView, elementHit, error) {
	view, ok := s.state.views[viewID]
	if !ok {
		return nil, elementHit{}, fmt.Errorf("no view %s", viewID)
	}
	hit, ok := findElement(view.fields["blocks"], actionID)
	if !ok {
		return nil, elementHit{}, fmt.Errorf("no element with action_id %q in view %s", actionID, viewID)
	}
	return view, hit, nil
}

// optionLocked returns the option with value that people would have picked
// in the menu: one the menu lists, else one the bot suggested for it in this
// view, else (reported as not offered) one whose text is the value.
func (s *Server) optionLocked(viewID string, hit elementHit, value string) (map[string]any, bool) {
	actionID := stringField(hit.element, "action_id")
	for _, options := range [][]map[string]any{menuOptions(hit.element), s.suggestedLocked(viewID, actionID)} {
		for _, option := range options {
			if stringField(option, "value") == value {
				return cloneObject(option), true
			}
		}
	}
	return map[string]any{"text": map[string]any{"type": "plain_text", "text": value, "emoji": true}, "value": value}, false
}

// suggestedLocked lists the options of the accepted answers to suggestions
// for the external select actionID in the view, latest answer first.
func (s *Server) suggestedLocked(viewID, actionID string) []map[string]any {
	var options []map[string]any
	for i := len(s.state.acks) - 1; i >= 0; i-- {
		ack := s.state.acks[i]
		env, ok := s.state.envelopes[ack.EnvelopeID]
		if !ok || ack.Error != "" || env.kind != kindInteractive {
			continue
		}
		request, _ := decodeObject(env.payload)
		container, _ := request["container"].(map[string]any)
		if stringField(request, "type") != string(slack.InteractionTypeBlockSuggestion) ||
			stringField(container, "view_id") != viewID || stringField(request, "action_id") != actionID {
			continue
		}
		answer, _ := decodeObject(ack.Payload)
		options = append(options, menuOptions(answer)...)
	}
	return options
}
