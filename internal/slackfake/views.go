package slackfake

import (
	"context"
	"encoding/json"
)

// View is a modal or Home tab the bot opened, pushed, updated or published,
// as it currently stands.
type View struct {
	ID              string
	Hash            string
	CallbackID      string
	PrivateMetadata string
	TriggerID       string // the trigger_id it was opened with; empty for Home tabs
	UserID          string // whose screen it is on, when the fake knows
	JSON            json.RawMessage
}

// storedView keeps the full view object in Slack's response shape, so
// payloads built from it (view_submission, block_actions) carry exactly what
// Slack would send back.
type storedView struct {
	fields    map[string]any
	triggerID string
	userID    string
}

func (v *storedView) public() View {
	return View{
		ID:              stringField(v.fields, "id"),
		Hash:            stringField(v.fields, "hash"),
		CallbackID:      stringField(v.fields, "callback_id"),
		PrivateMetadata: stringField(v.fields, "private_metadata"),
		TriggerID:       v.triggerID,
		UserID:          v.userID,
		JSON:            mustJSON(v.fields),
	}
}

func (s *Server) viewsOpen(req *apiRequest) (reply, string) {
	return s.openModalLocked(req, false)
}

func (s *Server) viewsPush(req *apiRequest) (reply, string) {
	return s.openModalLocked(req, true)
}

// openModalLocked serves views.open and views.push: both spend a trigger_id
// and add a modal; a push stacks it on the view the trigger came from.
func (s *Server) openModalLocked(req *apiRequest, push bool) (reply, string) {
	fields, refusal, code := decodeView(req.args["view"], "modal")
	if code != "" {
		return refusal, code
	}
	trig, code := s.redeemTriggerLocked(req.args["trigger_id"])
	if code != "" {
		return nil, code
	}
	view := s.newViewLocked(fields)
	view.triggerID, view.userID = req.args["trigger_id"], trig.userID
	if parent, ok := s.state.views[trig.viewID]; push && ok {
		view.fields["root_view_id"] = parent.fields["root_view_id"]
		view.fields["previous_view_id"] = trig.viewID
	}
	s.state.openedViews = append(s.state.openedViews, stringField(view.fields, "id"))
	return reply{"view": view.fields}, ""
}

// viewsUpdate replaces a view's content in place, honouring Slack's
// optimistic-locking hash.
func (s *Server) viewsUpdate(req *apiRequest) (reply, string) {
	view := s.findViewLocked(req.args["view_id"], req.args["external_id"])
	if view == nil {
		return nil, "not_found"
	}
	if hash := req.args["hash"]; hash != "" && hash != stringField(view.fields, "hash") {
		return nil, "hash_conflict"
	}
	fields, refusal, code := decodeView(req.args["view"], stringField(view.fields, "type"))
	if code != "" {
		return refusal, code
	}
	s.replaceContentLocked(view, fields)
	return reply{"view": view.fields}, ""
}

// viewsPublish sets a user's Home tab; the view keeps its ID across
// publishes, as Slack's does.
func (s *Server) viewsPublish(req *apiRequest) (reply, string) {
	userID := req.args["user_id"]
	if userID == "" {
		return nil, "invalid_arguments"
	}
	fields, refusal, code := decodeView(req.args["view"], "home")
	if code != "" {
		return refusal, code
	}
	view, exists := s.state.views[s.state.homeViews[userID]]
	if !exists {
		view = s.newViewLocked(fields)
		view.userID = userID
		s.state.homeViews[userID] = stringField(view.fields, "id")
		return reply{"view": view.fields}, ""
	}
	if hash := req.args["hash"]; hash != "" && hash != stringField(view.fields, "hash") {
		return nil, "hash_conflict"
	}
	s.replaceContentLocked(view, fields)
	return reply{"view": view.fields}, ""
}

// decodeView parses the "view" argument and checks it as Slack does: the
// type the method requires, then Block Kit's limits, refused with their
// detail.
func decodeView(text, wantType string) (map[string]any, reply, string) {
	fields, err := decodeObject([]byte(text))
	if err != nil {
		return nil, nil, "invalid_arguments"
	}
	if stringField(fields, "type") != wantType {
		return nil, nil, "invalid_arguments"
	}
	if _, ok := fields["blocks"].([]any); !ok {
		return nil, nil, "invalid_arguments"
	}
	if problems := checkView(fields, "/view"); len(problems) > 0 {
		refusal, code := refuse("invalid_arguments", problems)
		return nil, refusal, code
	}
	return fields, nil, ""
}

// newViewLocked stores a view with the server-assigned fields Slack adds.
func (s *Server) newViewLocked(fields map[string]any) *storedView {
	id := s.ids.viewID()
	fields["id"] = id
	fields["root_view_id"] = id
	fields["previous_view_id"] = nil
	view := &storedView{fields: map[string]any{}}
	s.replaceContentLocked(view, fields)
	s.state.views[id] = view
	return view
}

// replaceContentLocked swaps in new content while keeping identity fields,
// resets input state and issues a fresh hash.
func (s *Server) replaceContentLocked(view *storedView, fields map[string]any) {
	for _, keep := range []string{"id", "root_view_id", "previous_view_id"} {
		if value, ok := view.fields[keep]; ok {
			fields[keep] = value
		}
	}
	defaults := map[string]any{
		"team_id": teamID, "app_id": appID, "bot_id": botID, "app_installed_team_id": teamID,
		"private_metadata": "", "callback_id": "", "external_id": "",
	}
	if fields["type"] == "modal" {
		defaults["clear_on_close"] = false
		defaults["notify_on_close"] = false
	}
	for key, value := range defaults {
		if _, set := fields[key]; !set {
			fields[key] = value
		}
	}
	fields["state"] = map[string]any{"values": map[string]any{}}
	fields["hash"] = s.ids.viewHash(s.now().Unix())
	view.fields = fields
}

func (s *Server) findViewLocked(viewID, externalID string) *storedView {
	if view, ok := s.state.views[viewID]; ok {
		return view
	}
	if externalID == "" {
		return nil
	}
	for _, view := range s.state.views {
		if stringField(view.fields, "external_id") == externalID {
			return view
		}
	}
	return nil
}

// OpenedViews returns the modals opened with views.open or views.push, in
// order, each as it currently stands after any views.update.
func (s *Server) OpenedViews() []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	views := make([]View, 0, len(s.state.openedViews))
	for _, id := range s.state.openedViews {
		views = append(views, s.state.views[id].public())
	}
	return views
}

// WaitModal blocks until a modal opened for userID, as it currently stands, satisfies match
// (nil matches any), and returns the newest such modal. A modal the bot opens as "one moment"
// and fills in with views.update is found once it is filled in.
func (s *Server) WaitModal(ctx context.Context, userID string, match func(View) bool) (View, error) {
	return waitFor(ctx, s, "a modal for "+userID, func() (View, bool) {
		views := s.OpenedViews()
		for i := len(views) - 1; i >= 0; i-- {
			if v := views[i]; v.UserID == userID && (match == nil || match(v)) {
				return v, true
			}
		}
		return View{}, false
	})
}

// HomeView returns the Home tab last published for the user.
func (s *Server) HomeView(userID string) (View, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	view, ok := s.state.views[s.state.homeViews[userID]]
	if !ok {
		return View{}, false
	}
	return view.public(), true
}
