package access

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type fakeGroups struct {
	mu      sync.Mutex
	members map[string][]string
	calls   int
	err     error
}

func (f *fakeGroups) GroupMembers(_ context.Context, id string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	return f.members[id], f.err
}

func TestUnrestrictedLetsEveryoneIn(t *testing.T) {
	p := NewPolicy(nil, nil, time.Minute)
	ok, err := p.IsLead(context.Background(), "U999")
	require.NoError(t, err)
	assert.True(t, ok)
}

func TestLeadByUserAndByGroup(t *testing.T) {
	groups := &fakeGroups{members: map[string][]string{"S1": {"U2", "U3"}}}
	p := NewPolicy(&Leads{Users: []string{"U1"}, Usergroups: []string{"S1"}}, groups, time.Minute)
	for user, want := range map[string]bool{"U1": true, "U3": true, "U4": false} {
		ok, err := p.IsLead(context.Background(), user)
		require.NoError(t, err)
		assert.Equal(t, want, ok, user)
	}
}

func TestBurstCostsOneSlackCallUntilTTLExpires(t *testing.T) {
	groups := &fakeGroups{members: map[string][]string{"S1": {"U2"}}}
	p := NewPolicy(&Leads{Usergroups: []string{"S1"}}, groups, time.Minute)
	now := time.Unix(1000, 0)
	p.now = func() time.Time { return now }

	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			ok, err := p.IsLead(context.Background(), "U2")
			assert.NoError(t, err)
			assert.True(t, ok)
		})
	}
	wg.Wait()
	assert.Equal(t, 1, groups.calls)

	now = now.Add(2 * time.Minute)
	_, err := p.IsLead(context.Background(), "U2")
	require.NoError(t, err)
	assert.Equal(t, 2, groups.calls, "membership is fetched again once the cache expires")
}

func TestSlackErrorFailsClosed(t *testing.T) {
	groups := &fakeGroups{err: errors.New("ratelimited")}
	p := NewPolicy(&Leads{Usergroups: []string{"S1"}}, groups, time.Minute)
	ok, err := p.IsLead(context.Background(), "U2")
	assert.False(t, ok)
	assert.ErrorContains(t, err, "S1")
}
