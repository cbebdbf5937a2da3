package slackfake

import (
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
)

// channel is a conversation the test registered with AddChannel.
type channel struct {
	name     string
	isMember bool     // whether the bot is in it
	members  []string // the people in it, set with SetChannelMembers
}

// defaultMembersPage and maxMembersPage bound conversations.members pages,
// as Slack's limit argument does.
const (
	defaultMembersPage = 100
	maxMembersPage     = 1000
)

// appsConnectionsOpen hands out a single-use WebSocket URL, as Slack does
// for every (re)connection, while the app holds fewer than 10 connections.
func (s *Server) appsConnectionsOpen(*apiRequest) (reply, string) {
	if len(s.state.sockets) >= maxConnections {
		return nil, "too_many_websockets"
	}
	ticket := s.ids.ticket()
	s.state.tickets[ticket] = false
	return reply{"url": s.wsURL() + "/link/?ticket=" + ticket + "&app_id=" + appID}, ""
}

func (s *Server) authTest(*apiRequest) (reply, string) {
	out := reply{
		"url":     "https://" + teamDomain + ".slack.com/",
		"team":    "Fake Workspace",
		"user":    "testerbot",
		"team_id": teamID,
		"user_id": BotUserID,
		"bot_id":  botID,
	}
	if s.enterpriseID != "" {
		out["enterprise_id"] = s.enterpriseID
		out["is_enterprise_install"] = false
	}
	return out, ""
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
		"is_private":      isPrivate(id),
		"is_member":       ch.isMember,
		"is_archived":     false,
		"context_team_id": teamID,
	}}, ""
}

// isPrivate tells private channels by the fake's convention: G… IDs.
func isPrivate(channelID string) bool { return strings.HasPrefix(channelID, "G") }

// conversationsMembers pages through a channel's members with Slack's
// cursors. The bot is among them when it is in the channel, as in Slack;
// a private channel it is not in is channel_not_found to it.
func (s *Server) conversationsMembers(req *apiRequest) (reply, string) {
	id := req.args["channel"]
	if code := s.state.memberErrors[id]; code != "" {
		return nil, code
	}
	ch, ok := s.state.channels[id]
	if !ok || (isPrivate(id) && !ch.isMember) {
		return nil, "channel_not_found"
	}
	members := slices.Clone(ch.members)
	if ch.isMember && !slices.Contains(members, BotUserID) {
		members = append(members, BotUserID)
	}
	limit, code := pageLimit(req.args["limit"])
	if code != "" {
		return nil, code
	}
	start := 0
	if cursor := req.args["cursor"]; cursor != "" {
		if start = slices.Index(members, cursorUser(cursor)); start < 0 {
			return nil, "invalid_cursor"
		}
	}
	end := min(start+limit, len(members))
	next := ""
	if end < len(members) {
		next = userCursor(members[end])
	}
	return reply{"members": members[start:end], "response_metadata": map[string]any{"next_cursor": next}}, ""
}

// pageLimit reads a limit argument: absent or 0 is Slack's default page.
func pageLimit(arg string) (int, string) {
	if arg == "" {
		return defaultMembersPage, ""
	}
	limit, err := strconv.Atoi(arg)
	switch {
	case err != nil || limit < 0 || limit > maxMembersPage:
		return 0, "invalid_limit"
	case limit == 0:
		return defaultMembersPage, ""
	}
	return limit, ""
}

// userCursor is Slack's opaque cursor: base64 of "user:" and the first
// member of the next page.
func userCursor(userID string) string {
	return base64.StdEncoding.EncodeToString([]byte("user:" + userID))
}

func cursorUser(cursor string) string {
	raw, err := base64.StdEncoding.DecodeString(cursor)
	if err != nil {
		return ""
	}
	user, _ := strings.CutPrefix(string(raw), "user:")
	return user
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
// as a member. Posts to a channel need the bot in it, as in Slack: a channel
// not added, or left with SetChannelMember, answers not_in_channel.
func (s *Server) AddChannel(id, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.channels[id] = &channel{name: name, isMember: true}
}

// SetChannelMember changes whether the bot is a member of a registered
// channel: what conversations.info reports, and whether posts there land.
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

// SetChannelMembers sets the people in a registered channel, in the order
// conversations.members lists them; the bot's own membership stays as
// AddChannel and SetChannelMember set it.
func (s *Server) SetChannelMembers(channelID string, userIDs ...string) {
	s.t.Helper()
	s.mu.Lock()
	ch, ok := s.state.channels[channelID]
	if ok {
		ch.members = slices.Clone(userIDs)
	}
	s.mu.Unlock()
	if !ok {
		s.t.Errorf("slackfake: SetChannelMembers(%q): channel not added", channelID)
	}
}

// FailChannelMembers makes conversations.members for the channel fail with
// the given Slack error (e.g. "missing_scope", "ratelimited" without the
// 429, "internal_error"); an empty string restores normal answers.
func (s *Server) FailChannelMembers(channelID, slackError string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	setOrClear(s.state.memberErrors, channelID, slackError)
}
