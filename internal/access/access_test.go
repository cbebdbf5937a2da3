package access

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/config"
)

// fakeDirectory answers like Slack from fixed data and counts the calls it gets.
type fakeDirectory struct {
	mu       sync.Mutex
	groups   map[string][]string
	channels map[string][]string
	guests   map[string]bool
	orgs     map[string]Org // a user's organisation; home when absent
	home     Org
	err      error
	calls    map[string]int
}

func (f *fakeDirectory) count(method string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[method]++
}

func (f *fakeDirectory) callsTo(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

func (f *fakeDirectory) GroupMembers(_ context.Context, id string) ([]string, error) {
	f.count("usergroups.users.list")
	return f.groups[id], f.err
}

func (f *fakeDirectory) ChannelMembers(_ context.Context, id string) ([]string, error) {
	f.count("conversations.members")
	return f.channels[id], f.err
}

func (f *fakeDirectory) Person(_ context.Context, id string) (Person, error) {
	f.count("users.info")
	org, ok := f.orgs[id]
	if !ok {
		org = f.homeOrg()
	}
	return Person{Guest: f.guests[id], Org: org}, f.err
}

func (f *fakeDirectory) Home(context.Context) (Org, error) {
	f.count("auth.test")
	return f.homeOrg(), f.err
}

func (f *fakeDirectory) homeOrg() Org {
	if f.home == (Org{}) {
		return Org{TeamID: "T0HOME"}
	}
	return f.home
}

var ctx = context.Background()

func noLeads() *config.QALeads { return nil }

func leads(l config.QALeads) func() *config.QALeads { return func() *config.QALeads { return &l } }

func TestWithoutLeadsMembersManageTheirChannelsOnly(t *testing.T) {
	dir := &fakeDirectory{channels: map[string][]string{"C1": {"U1", "U2"}, "C2": {"U2"}, "C3": {"U1"}}}
	p := NewPolicy(noLeads, dir, time.Minute)

	got, err := p.Manageable(ctx, "U1", []string{"C1", "C2", "C3"})
	require.NoError(t, err)
	assert.Equal(t, []string{"C1", "C3"}, got, "in order, only where U1 is a member")

	ok, err := p.MayManage(ctx, "U1", "C2")
	require.NoError(t, err)
	assert.False(t, ok, "not a member of C2")

	lead, err := p.IsLead(ctx, "U1")
	require.NoError(t, err)
	assert.False(t, lead, "without qa_leads nobody is a lead")
}

func TestGuestsNeverManageWithoutLeads(t *testing.T) {
	dir := &fakeDirectory{channels: map[string][]string{"C1": {"UGUEST"}}, guests: map[string]bool{"UGUEST": true}}
	p := NewPolicy(noLeads, dir, time.Minute)
	ok, err := p.MayManage(ctx, "UGUEST", "C1")
	require.NoError(t, err)
	assert.False(t, ok)
}

// In a Slack Connect channel, the other organisation's members are members of the channel, and
// users.info does not mark them as guests: they never manage testers all the same.
func TestPeopleOfAnotherOrganisationNeverManageWithoutLeads(t *testing.T) {
	dir := &fakeDirectory{channels: map[string][]string{"C1": {"UHOME", "UPARTNER", "UNOTEAM"}},
		orgs: map[string]Org{"UPARTNER": {TeamID: "T0PARTNER"}, "UNOTEAM": {}}}
	p := NewPolicy(noLeads, dir, time.Minute)
	for user, want := range map[string]bool{"UHOME": true, "UPARTNER": false, "UNOTEAM": false} {
		ok, err := p.MayManage(ctx, user, "C1")
		require.NoError(t, err)
		assert.Equal(t, want, ok, user)
	}
	assert.Equal(t, 1, dir.callsTo("auth.test"), "the bot's own workspace is asked once")
}

func TestOnEnterpriseGridEveryWorkspaceOfTheEnterpriseIsInside(t *testing.T) {
	home := Org{TeamID: "T0HOME", EnterpriseID: "E0ACME"}
	for name, tc := range map[string]struct {
		person Org
		inside bool
	}{
		"the same workspace":                     {Org{TeamID: "T0HOME", EnterpriseID: "E0ACME"}, true},
		"another workspace of the enterprise":    {Org{TeamID: "T0SISTER", EnterpriseID: "E0ACME"}, true},
		"an org-wide user whose team is the org": {Org{TeamID: "E0ACME"}, true},
		"another enterprise":                     {Org{TeamID: "T0PARTNER", EnterpriseID: "E0OTHER"}, false},
		"a workspace outside any enterprise":     {Org{TeamID: "T0PARTNER"}, false},
		"nothing named":                          {Org{}, false},
	} {
		assert.Equal(t, tc.inside, home.Includes(tc.person), name)
	}
	assert.False(t, Org{}.Includes(Org{}), "an unknown home includes nobody")
}

func TestLeadsManageEveryMappingGuestsIncluded(t *testing.T) {
	dir := &fakeDirectory{groups: map[string][]string{"S1": {"U2", "U3"}}, guests: map[string]bool{"U1": true}}
	p := NewPolicy(leads(config.QALeads{Users: []string{"U1"}, Usergroups: []string{"S1"}}), dir, time.Minute)
	for user, want := range map[string][]string{"U1": {"C1", "C2"}, "U3": {"C1", "C2"}, "U4": nil} {
		got, err := p.Manageable(ctx, user, []string{"C1", "C2"})
		require.NoError(t, err)
		assert.Equal(t, want, got, user)
	}
	assert.Zero(t, dir.callsTo("conversations.members"), "with qa_leads, membership does not matter")
	assert.Zero(t, dir.callsTo("users.info"), "a listed guest is a lead all the same")
}

func TestBurstCostsOneSlackCallPerGroupAndChannel(t *testing.T) {
	dir := &fakeDirectory{groups: map[string][]string{"S1": {"U2"}}, channels: map[string][]string{"C1": {"U9"}}}
	leadsPolicy := NewPolicy(leads(config.QALeads{Usergroups: []string{"S1"}}), dir, time.Minute)
	membersPolicy := NewPolicy(noLeads, dir, time.Minute)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			ok, err := leadsPolicy.IsLead(ctx, "U2")
			assert.NoError(t, err)
			assert.True(t, ok)
			ok, err = membersPolicy.MayManage(ctx, "U9", "C1")
			assert.NoError(t, err)
			assert.True(t, ok)
		})
	}
	wg.Wait()
	assert.Equal(t, 1, dir.callsTo("usergroups.users.list"))
	assert.Equal(t, 1, dir.callsTo("conversations.members"))
	assert.Equal(t, 1, dir.callsTo("users.info"))
}

func TestSlackErrorFailsClosedAndIsNotAskedAgainAtOnce(t *testing.T) {
	dir := &fakeDirectory{err: errors.New("ratelimited")}
	p := NewPolicy(leads(config.QALeads{Usergroups: []string{"S1"}}), dir, time.Minute)
	for range 3 {
		ok, err := p.IsLead(ctx, "U2")
		assert.False(t, ok)
		assert.ErrorContains(t, err, "S1")
	}
	assert.Equal(t, 1, dir.callsTo("usergroups.users.list"), "the failure is cached briefly")

	members := NewPolicy(noLeads, dir, time.Minute)
	got, err := members.Manageable(ctx, "U2", []string{"C1"})
	assert.Empty(t, got)
	assert.Error(t, err)
}
