package slackfake

import "fmt"

// Event sends an events_api envelope wrapping the inner event (anything that
// marshals to a JSON object, e.g. map[string]any{"type": "app_home_opened",
// "user": "U1", "tab": "home", "channel": "D1"}) in Slack's event_callback,
// adding event_ts when missing. It returns the envelope ID.
func (s *Server) Event(event any) string {
	s.t.Helper()
	inner, err := objectFields(event)
	if err != nil {
		s.t.Errorf("slackfake: Event: %v", err)
		return ""
	}

	s.mu.Lock()
	now, eventID := s.now(), s.ids.eventID()
	if _, ok := inner["event_ts"]; !ok {
		inner["event_ts"] = slackTS(now)
	}
	payload := map[string]any{
		"token":      verificationToken,
		"team_id":    teamID,
		"api_app_id": appID,
		"event":      inner,
		"type":       "event_callback",
		"event_id":   eventID,
		"event_time": now.Unix(),
		"authorizations": []any{map[string]any{
			"enterprise_id":         nil,
			"team_id":               teamID,
			"user_id":               BotUserID,
			"is_bot":                true,
			"is_enterprise_install": false,
		}},
		"is_ext_shared_channel": false,
		"event_context":         fmt.Sprintf("4-%v-%s-%s", inner["type"], teamID, eventID),
	}
	s.mu.Unlock()
	return s.send(kindEventsAPI, mustJSON(payload))
}
