package slackfake

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/slack-go/slack"
)

// Ack is one acknowledgement frame the client sent for an envelope.
type Ack struct {
	EnvelopeID string
	// Payload is the ack's payload (e.g. a view_submission response_action),
	// nil when the client acked without one.
	Payload json.RawMessage
	// Latency runs from the moment the envelope was (last) written to the
	// moment the ack was read; Slack gives up after 3 s.
	Latency time.Duration
	// Connection is the connection the ack came over, numbered as
	// Connections counts them (see Deliveries).
	Connection int
	// Error is set when Slack would refuse the payload: "invalid_arguments"
	// for a view_submission or block_suggestion answer it cannot use,
	// "invalid_blocks" or "msg_too_long" for a slash command's message. A
	// refused ack changes nothing; an accepted response_action "update" or
	// "push" changes the stored views as Slack would.
	Error string
	// Messages name each problem of a refused payload, in the words Slack
	// uses for Web API refusals ("[ERROR] … [json-pointer:/view/title/text]").
	Messages []string
}

// recordAck stores a frame from the client if it is an ack; Slack ignores
// anything else a client sends, and so does the fake.
func (s *Server) recordAck(sock *socket, frame []byte, readAt time.Time) {
	var msg struct {
		EnvelopeID string          `json:"envelope_id"`
		Payload    json.RawMessage `json:"payload"`
	}
	if json.Unmarshal(frame, &msg) != nil || msg.EnvelopeID == "" {
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	ack := Ack{EnvelopeID: msg.EnvelopeID, Payload: msg.Payload, Connection: sock.ordinal}
	if env, ok := s.state.envelopes[msg.EnvelopeID]; ok {
		if !env.writtenAt.IsZero() {
			ack.Latency = readAt.Sub(env.writtenAt)
		}
		code, problems := s.applyAckLocked(env, msg.Payload)
		ack.Error, ack.Messages = code, errorMessages(problems)
	}
	s.state.acks = append(s.state.acks, ack)
	s.notifyLocked()
}

// applyAckLocked checks an ack's payload the way Slack checks the answer to
// the envelope it acknowledges, and applies what an accepted one asks for.
// Slack reads an ack's payload only for slash commands, view submissions
// and suggestions.
func (s *Server) applyAckLocked(env *envelope, payload json.RawMessage) (string, []problem) {
	request, _ := decodeObject(env.payload)
	kind := stringField(request, "type")
	readsAnswer := env.kind == kindSlashCommand ||
		kind == string(slack.InteractionTypeViewSubmission) || kind == string(slack.InteractionTypeBlockSuggestion)
	if !readsAnswer || len(payload) == 0 || string(payload) == "null" {
		return "", nil
	}
	answer, err := decodeObject(payload)
	if err != nil {
		return "invalid_arguments", []problem{{pointer: "", message: "must be an object"}}
	}
	switch {
	case env.kind == kindSlashCommand:
		blocks, _ := answer["blocks"].([]any)
		return checkMessage(stringField(answer, "text"), blocks)
	case kind == string(slack.InteractionTypeViewSubmission):
		return s.applySubmissionAckLocked(request, answer)
	}
	if problems := checkSuggestions(answer); len(problems) > 0 {
		return "invalid_arguments", problems
	}
	return "", nil
}

// applySubmissionAckLocked checks a view_submission's response_action and
// carries out an accepted update or push.
func (s *Server) applySubmissionAckLocked(submission, answer map[string]any) (string, []problem) {
	submitted, _ := submission["view"].(map[string]any)
	switch action := stringField(answer, "response_action"); action {
	case "", "clear":
		return "", nil
	case "errors":
		if problems := checkSubmissionErrors(submitted, answer["errors"]); len(problems) > 0 {
			return "invalid_arguments", problems
		}
		return "", nil
	case "update", "push":
		view, _ := answer["view"].(map[string]any)
		if view == nil {
			return "invalid_arguments", []problem{{pointer: "", message: "missing required field: view"}}
		}
		if stringField(view, "type") != "modal" {
			return "invalid_arguments", []problem{{pointer: "/view/type", message: "must be a valid enum value"}}
		}
		if problems := checkView(view, "/view"); len(problems) > 0 {
			return "invalid_arguments", problems
		}
		user, _ := submission["user"].(map[string]any)
		s.respondToSubmissionLocked(action, stringField(submitted, "id"), stringField(user, "id"), view)
		return "", nil
	default:
		return "invalid_arguments", []problem{{pointer: "/response_action", message: "must be a valid enum value"}}
	}
}

// checkSubmissionErrors: response_action "errors" may only name input
// blocks of the submitted view, which is where Slack shows them.
func checkSubmissionErrors(view map[string]any, errors any) []problem {
	messages, ok := errors.(map[string]any)
	if !ok {
		return []problem{{pointer: "/errors", message: "must be an object"}}
	}
	inputs := inputBlockIDs(view["blocks"])
	var problems []problem
	for _, blockID := range slices.Sorted(maps.Keys(messages)) {
		if !slices.Contains(inputs, blockID) {
			problems = append(problems, problem{pointer: "/errors/" + blockID, message: "not an input block of the view"})
		}
	}
	return problems
}

// respondToSubmissionLocked replaces the submitted modal (update) or stacks
// a new one on it (push), as Slack does with an accepted response_action.
func (s *Server) respondToSubmissionLocked(action, viewID, userID string, content map[string]any) {
	parent, ok := s.state.views[viewID]
	if !ok {
		return // a view the test made up with Interaction; nothing is on screen
	}
	content = cloneObject(content)
	if action == "update" {
		s.replaceContentLocked(parent, content)
		return
	}
	pushed := s.newViewLocked(content)
	pushed.userID = userID
	pushed.fields["root_view_id"] = parent.fields["root_view_id"]
	pushed.fields["previous_view_id"] = viewID
	s.state.openedViews = append(s.state.openedViews, stringField(pushed.fields, "id"))
}

// WaitAck blocks until the envelope is acknowledged and returns the first ack.
func (s *Server) WaitAck(ctx context.Context, envelopeID string) (Ack, error) {
	return waitFor(ctx, s, "ack of envelope "+envelopeID, func() (Ack, bool) {
		return first(s.Acks(envelopeID), nil)
	})
}

// Acks returns every ack received for the envelope, in arrival order, so a
// test can catch a bot that acks twice.
func (s *Server) Acks(envelopeID string) []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return matching(s.state.acks, func(ack Ack) bool { return ack.EnvelopeID == envelopeID })
}
