// Package access decides who may invite, list and remove testers. The mapping file's optional
// qa_leads block names Slack users and user groups; when it is absent everyone in a mapped
// channel may invite. Group membership comes from Slack and is cached briefly, so a burst of
// commands costs one Slack call; when Slack cannot answer, access is refused (fail closed).
package access

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// GroupMembers resolves a Slack user group to its members; *slack.Client fits through a small
// adapter (usergroups.users.list).
type GroupMembers interface {
	GroupMembers(ctx context.Context, groupID string) ([]string, error)
}

// Leads names who may manage testers.
type Leads struct {
	Users      []string
	Usergroups []string
}

// Policy answers "may this person manage testers?". It is safe for concurrent use.
type Policy struct {
	leads  *Leads // nil: everyone may
	groups GroupMembers
	ttl    time.Duration
	now    func() time.Time

	mu    sync.Mutex // held while a group is fetched, so a burst shares one call
	cache map[string]cachedGroup
}

type cachedGroup struct {
	members []string
	fetched time.Time
}

// NewPolicy builds a Policy. leads nil means the mapping has no qa_leads block.
func NewPolicy(leads *Leads, groups GroupMembers, ttl time.Duration) *Policy {
	return &Policy{leads: leads, groups: groups, ttl: ttl, now: time.Now, cache: map[string]cachedGroup{}}
}

// Leads returns the configured leads (nil when unrestricted), for telling people who can help.
func (p *Policy) Leads() *Leads { return p.leads }

// IsLead reports whether userID may manage testers. An error means membership could not be
// determined; callers must then refuse.
func (p *Policy) IsLead(ctx context.Context, userID string) (bool, error) {
	if p.leads == nil || slices.Contains(p.leads.Users, userID) {
		return true, nil
	}
	for _, group := range p.leads.Usergroups {
		members, err := p.members(ctx, group)
		if err != nil {
			return false, fmt.Errorf("resolve user group %s: %w", group, err)
		}
		if slices.Contains(members, userID) {
			return true, nil
		}
	}
	return false, nil
}

func (p *Policy) members(ctx context.Context, group string) ([]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.cache[group]; ok && p.now().Sub(c.fetched) < p.ttl {
		return c.members, nil
	}
	members, err := p.groups.GroupMembers(ctx, group)
	if err != nil {
		return nil, err
	}
	p.cache[group] = cachedGroup{members: members, fetched: p.now()}
	return members, nil
}
