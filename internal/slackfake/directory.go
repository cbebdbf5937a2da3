package slackfake

import (
	"slices"
	"strings"
)

// channel is a conversation the test registered with AddChannel.
type channel struct {
	name     string
	isMember bool
}

// appsConnectionsOpen hands out a single-use WebSocket URL, as Slack does
// for every (re)connection.
func (s *Server) appsConnectionsOpen(*apiRequest) (reply, string) {
	ticket := s.ids.ticket()
	s.state.tickets[ticket] = false
	return reply{"url": s.wsURL() + "/link/?ticket=" + ticket + "&app_id=" + AppID}, ""
}

func (s *Server) authTest(*apiRequest) (reply, string) {
	return reply{
		"url":     "https://" + TeamDomain + ".slack.com/",
		"team":    "Fake Workspace",
		"user":    "testerbot",
		"team_id": TeamID,
		"user_id": BotUserID,
		"bot_id":  BotID,
	}, ""
}

func (s *Server) usergroupsUsersList(req *apiRequest) (reply, string) {
	if s.state.usergroupErr != "" {
		return nil, s.state.usergroupErr
	}
	members, ok := s.state.usergroups[req.args["usergroup"]]
	if !ok {
		return nil, "no_such_subteam"
	}
	return reply{"users": slices.Clone(members)}, ""
}

func (s *Server) conversationsInfo(req *apiRequest) (reply, string) {
	id := req.args["channel"]
	ch, ok := s.state.channels[id]
	if !ok {
		return nil, "channel_not_found"
	}
	return reply{"channel": map[string]any{
		"id":              id,
		"name":            ch.name,
		"is_channel":      true,
		"is_private":      strings.HasPrefix(id, "G"),
		"is_member":       ch.isMember,
		"is_archived":     false,
		"context_team_id": TeamID,
	}}, ""
}

// usersInfo knows every well-formed user ID; names come from slash commands
// the test raised, so the bot sees the same name in both places.
func (s *Server) usersInfo(req *apiRequest) (reply, string) {
	id := req.args["user"]
	if !strings.HasPrefix(id, "U") && !strings.HasPrefix(id, "W") {
		return nil, "user_not_found"
	}
	name := s.userNameLocked(id)
	return reply{"user": map[string]any{
		"id":        id,
		"team_id":   TeamID,
		"name":      name,
		"real_name": name,
		"deleted":   false,
		"is_bot":    id == BotUserID,
		"profile":   map[string]any{"real_name": name, "display_name": name},
	}}, ""
}

func (s *Server) userNameLocked(userID string) string {
	if name, ok := s.state.userNames[userID]; ok {
		return name
	}
	return strings.ToLower(userID)
}

// AddUsergroup defines a user group (subteam) and its members for
// usergroups.users.list; calling it again replaces the members.
func (s *Server) AddUsergroup(id string, members ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.usergroups[id] = slices.Clone(members)
}

// FailUsergroups makes every usergroups.users.list call fail with the given
// Slack error (e.g. "missing_scope"); an empty string restores normal answers.
func (s *Server) FailUsergroups(slackError string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.usergroupErr = slackError
}

// AddChannel registers a conversation for conversations.info, with the bot
// as a member. Posting does not require registration.
func (s *Server) AddChannel(id, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.channels[id] = &channel{name: name, isMember: true}
}

// SetChannelMember changes whether conversations.info reports the bot as a
// member of a registered channel.
func (s *Server) SetChannelMember(id string, isMember bool) {
	s.t.Helper()
	s.mu.Lock()
	ch, ok := s.state.channels[id]
	if ok {
		ch.isMember = isMember
	}
	s.mu.Unlock()
	if !ok {
		s.t.Errorf("slackfake: SetChannelMember(%q): channel not added", id)
	}
}
