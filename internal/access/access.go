// Package access decides who may manage testers for a channel: invite, list, remove, revoke and
// read its history.
//
//   - With qa_leads in the mapping file, the listed users and the members of the listed user
//     groups manage every mapping, and nobody else manages any.
//   - Without qa_leads, a person manages the mappings of the channels they are a member of,
//     unless they are a guest (a multi- or single-channel guest never manages testers) or belong
//     to another organisation (a Slack Connect channel's members from outside, whom users.info
//     does not mark as guests).
//
// Everything comes from Slack and is cached briefly, so a burst of requests costs one call per
// group, channel or person. When Slack cannot answer, access is refused (fail closed).
package access

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/cache"
)

// Directory is what the policy asks Slack; the bot adapts *slack.Client to it.
type Directory interface {
	// GroupMembers lists a user group's members (usergroups.users.list).
	GroupMembers(ctx context.Context, groupID string) ([]string, error)
	// ChannelMembers lists a channel's members, every page (conversations.members).
	ChannelMembers(ctx context.Context, channelID string) ([]string, error)
	// Person looks a user up (users.info).
	Person(ctx context.Context, userID string) (Person, error)
	// Home is the organisation the bot is installed in (auth.test).
	Home(ctx context.Context) (Org, error)
}

// Person is what the policy needs to know of a user.
type Person struct {
	Guest bool // a multi- or single-channel guest (is_restricted or is_ultra_restricted)
	// Stranger is Slack's is_stranger: a user of another organisation the workspace shares
	// nothing else with.
	Stranger bool
	Org      Org // team_id, and enterprise_user.enterprise_id on Enterprise Grid
}

// Org names a Slack organisation: a workspace, and on Enterprise Grid the enterprise it is part of.
type Org struct {
	TeamID       string
	EnterpriseID string
}

// Includes reports whether a person of org p belongs to the organisation o. On Enterprise Grid
// every workspace of the enterprise is inside; elsewhere only the workspace itself is. What
// names no organisation is outside (fail closed).
func (o Org) Includes(p Org) bool {
	if o.EnterpriseID != "" && (p.EnterpriseID == o.EnterpriseID || p.TeamID == o.EnterpriseID) {
		return true
	}
	return o.TeamID != "" && p.TeamID == o.TeamID
}

// How long answers from Slack are trusted. Leads' groups change rarely and their TTL is
// configurable; channel membership is what people change when they fix access, so it is kept
// short; failures are retried soon.
const (
	membersTTL = time.Minute
	guestTTL   = 10 * time.Minute
	failureTTL = 10 * time.Second
)

// parallelLookups bounds the conversations.members calls one answer makes on a cold cache
// (the App Home of a workspace with 120 mapped channels).
const parallelLookups = 8

// Policy answers "may this person manage testers here?". It is safe for concurrent use.
type Policy struct {
	leads   func() *config.QALeads // nil result: channel members manage their channels
	dir     Directory
	groups  *cache.Cache[[]string]
	members *cache.Cache[[]string]
	people  *cache.Cache[Person]
	home    *cache.Cache[Org]
}

// homeTTL is how long the bot's own organisation is trusted: it changes only if the app is
// installed elsewhere, which takes new tokens and a restart.
const homeTTL = 24 * time.Hour

// NewPolicy builds a Policy. leads returns the mapping file's qa_leads block as currently loaded
// (the file may be reloaded), nil when it has none; leadsTTL is how long a user group's
// membership is cached.
func NewPolicy(leads func() *config.QALeads, dir Directory, leadsTTL time.Duration) *Policy {
	return &Policy{
		leads:   leads,
		dir:     dir,
		groups:  cache.New[[]string](leadsTTL, failureTTL),
		members: cache.New[[]string](membersTTL, failureTTL),
		people:  cache.New[Person](guestTTL, failureTTL),
		home:    cache.New[Org](homeTTL, failureTTL),
	}
}

// Leads returns the configured QA leads, nil when there are none (members manage their channels).
func (p *Policy) Leads() *config.QALeads { return p.leads() }

// IsLead reports whether qa_leads names userID, directly or through a user group. Without
// qa_leads nobody is a lead. An error means Slack could not say; callers must then refuse.
func (p *Policy) IsLead(ctx context.Context, userID string) (bool, error) {
	leads := p.leads()
	if leads == nil {
		return false, nil
	}
	if slices.Contains(leads.Users, userID) {
		return true, nil
	}
	for _, group := range leads.Usergroups {
		members, err := p.groups.Get(ctx, group, func(ctx context.Context) ([]string, error) {
			return p.dir.GroupMembers(ctx, group)
		})
		if err != nil {
			return false, fmt.Errorf("resolve user group %s: %w", group, err)
		}
		if slices.Contains(members, userID) {
			return true, nil
		}
	}
	return false, nil
}

// MayManage reports whether userID may manage the testers of channelID's mapping.
func (p *Policy) MayManage(ctx context.Context, userID, channelID string) (bool, error) {
	channels, err := p.Manageable(ctx, userID, []string{channelID})
	return len(channels) == 1, err
}

// Manageable returns, in order, the channels among channelIDs whose mappings userID may manage.
func (p *Policy) Manageable(ctx context.Context, userID string, channelIDs []string) ([]string, error) {
	if p.leads() != nil {
		lead, err := p.IsLead(ctx, userID)
		if err != nil || !lead {
			return nil, err
		}
		return slices.Clone(channelIDs), nil
	}
	if outside, err := p.guestOrOutsider(ctx, userID); err != nil || outside {
		return nil, err
	}
	member := make([]bool, len(channelIDs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(parallelLookups)
	for i, ch := range channelIDs {
		g.Go(func() error {
			members, err := p.members.Get(gctx, ch, func(ctx context.Context) ([]string, error) {
				return p.dir.ChannelMembers(ctx, ch)
			})
			if err != nil {
				return fmt.Errorf("list members of %s: %w", ch, err)
			}
			member[i] = slices.Contains(members, userID)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var out []string
	for i, ch := range channelIDs {
		if member[i] {
			out = append(out, ch)
		}
	}
	return out, nil
}

// Home returns the bot's own organisation, from auth.test; the bot asks at start, so that the
// first person's click does not wait for it.
func (p *Policy) Home(ctx context.Context) (Org, error) {
	return p.home.Get(ctx, "", func(ctx context.Context) (Org, error) {
		org, err := p.dir.Home(ctx)
		if err == nil && org.TeamID == "" {
			err = errors.New("auth.test named no team")
		}
		return org, err
	})
}

// guestOrOutsider reports whether a person never manages testers as a channel member: a guest,
// or someone of another organisation.
func (p *Policy) guestOrOutsider(ctx context.Context, userID string) (bool, error) {
	home, err := p.Home(ctx)
	if err != nil {
		return false, fmt.Errorf("look up the bot's own workspace: %w", err)
	}
	person, err := p.people.Get(ctx, userID, func(ctx context.Context) (Person, error) {
		return p.dir.Person(ctx, userID)
	})
	if err != nil {
		return false, fmt.Errorf("look up user %s: %w", userID, err)
	}
	return person.Guest || person.Stranger || !home.Includes(person.Org), nil
}
