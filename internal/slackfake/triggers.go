package slackfake

import "time"

// trigger is a trigger_id the fake handed to the bot in a payload. Slack
// honours one for 3 s and for a single views.open or views.push.
type trigger struct {
	issuedAt time.Time
	used     bool
	userID   string // who interacted; a view opened with it belongs to them
	viewID   string // the view the interaction happened in, if any
}

// NewTriggerID issues a trigger_id that is valid for 3 s (on the server's
// clock, see WithClock) and a single use, for payloads a test builds itself.
func (s *Server) NewTriggerID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issueTriggerLocked("", "")
}

func (s *Server) issueTriggerLocked(userID, viewID string) string {
	id := s.ids.triggerID()
	s.state.triggers[id] = &trigger{issuedAt: s.now(), userID: userID, viewID: viewID}
	return id
}

// redeemTriggerLocked spends a trigger_id, answering with the error codes
// Slack's views.open and views.push use.
func (s *Server) redeemTriggerLocked(id string) (*trigger, string) {
	trig, ok := s.state.triggers[id]
	switch {
	case id == "":
		return nil, "invalid_arguments"
	case !ok:
		return nil, "invalid_trigger_id"
	case trig.used:
		return nil, "exchanged_trigger_id"
	case s.now().Sub(trig.issuedAt) > triggerTTL:
		return nil, "expired_trigger_id"
	}
	trig.used = true
	return trig, ""
}
