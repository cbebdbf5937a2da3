package slackfake

import (
	"maps"
	"slices"
	"strings"
)

// User is a person in the fake workspace's directory; see AddUser.
type User struct {
	ID    string
	Name  string // also the real and display name; defaults to the ID in lower case
	Email string
	// Restricted marks a multi-channel guest, UltraRestricted a
	// single-channel guest (whom Slack reports as restricted too).
	Restricted      bool
	UltraRestricted bool
	Deleted         bool // deactivated
	// TeamID is the user's own workspace; empty means the fake workspace. Another one makes the
	// user a member of another organisation, as a Slack Connect channel's outside members are:
	// users.info does not mark them as guests.
	TeamID string
	// EnterpriseID is the user's Enterprise Grid organisation; empty means the fake's own (see
	// WithEnterprise) for users of the fake workspace, and none for users of another.
	EnterpriseID string
}

// AddUser puts a person in the directory behind users.info and
// users.lookupByEmail, replacing any earlier entry with the same ID. Users
// not added still exist, with a name from the payloads that named them.
func (s *Server) AddUser(user User) {
	s.t.Helper()
	if user.ID == "" {
		s.t.Errorf("slackfake: AddUser: user has no ID")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.users[user.ID] = user
	if user.Name != "" {
		s.state.userNames[user.ID] = user.Name
	}
}

// usersInfo knows every well-formed user ID: added users as added, others
// by the name slash commands and interactions gave them, so the bot sees
// the same name in both places.
func (s *Server) usersInfo(req *apiRequest) (reply, string) {
	id := req.args["user"]
	if !strings.HasPrefix(id, "U") && !strings.HasPrefix(id, "W") {
		return nil, "user_not_found"
	}
	return reply{"user": s.userJSONLocked(id)}, ""
}

// usersLookupByEmail finds an added user by email, ignoring case. Slack
// answers users_not_found for deactivated users too.
func (s *Server) usersLookupByEmail(req *apiRequest) (reply, string) {
	email := req.args["email"]
	for _, id := range slices.Sorted(maps.Keys(s.state.users)) {
		user := s.state.users[id]
		if !user.Deleted && user.Email != "" && strings.EqualFold(user.Email, email) {
			return reply{"user": s.userJSONLocked(id)}, ""
		}
	}
	return nil, "users_not_found"
}

// userJSONLocked is the user object of users.info and users.lookupByEmail.
func (s *Server) userJSONLocked(id string) map[string]any {
	user := s.state.users[id]
	name := s.userNameLocked(id)
	profile := map[string]any{"real_name": name, "display_name": name}
	if user.Email != "" {
		profile["email"] = user.Email
	}
	team, enterprise := s.userOrgLocked(id)
	out := map[string]any{
		"id":                  id,
		"team_id":             team,
		"name":                name,
		"real_name":           name,
		"deleted":             user.Deleted,
		"is_bot":              id == BotUserID,
		"is_restricted":       user.Restricted || user.UltraRestricted,
		"is_ultra_restricted": user.UltraRestricted,
		"profile":             profile,
	}
	if enterprise != "" {
		out["enterprise_user"] = map[string]any{"id": id, "enterprise_id": enterprise, "teams": []string{team}}
	}
	return out
}

// userOrgLocked is the workspace and Grid organisation a user belongs to.
func (s *Server) userOrgLocked(id string) (team, enterprise string) {
	user := s.state.users[id]
	team, enterprise = user.TeamID, user.EnterpriseID
	if team == "" {
		team = teamID
	}
	if enterprise == "" && team == teamID {
		enterprise = s.enterpriseID
	}
	return team, enterprise
}

func (s *Server) userNameLocked(userID string) string {
	if name, ok := s.state.userNames[userID]; ok {
		return name
	}
	return strings.ToLower(userID)
}
