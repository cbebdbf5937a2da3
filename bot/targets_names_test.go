package bot

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/slackfake"
)

// namingSlack is a client of the fake Slack that counts the conversations.info calls and the most
// at once.
type namingSlack struct {
	SlackAPI
	calls, inFlight, most atomic.Int32
	mu                    sync.Mutex
}

func (s *namingSlack) GetConversationInfoContext(ctx context.Context, in *slack.GetConversationInfoInput) (*slack.Channel, error) {
	s.calls.Add(1)
	now := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	s.mu.Lock()
	if now > s.most.Load() {
		s.most.Store(now)
	}
	s.mu.Unlock()
	return s.SlackAPI.GetConversationInfoContext(ctx, in)
}

// A lead of many channels: the form's channel names are asked of Slack a few at a time, and
// once each; the next form asks nothing.
func TestChannelNamesForMenusAreBoundedInParallelAndCached(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	api := &namingSlack{SlackAPI: slack.New(fake.BotToken(), slack.OptionAPIURL(fake.APIURL()))}
	p := &targetPicker{names: newChannelNames(&slackCalls{api: api}, 0)}
	var channels []config.Channel
	for i := range nameLookupBurst { // past the burst, names wait for conversations.info's pace
		id := fmt.Sprintf("C%08d", i)
		fake.AddChannel(id, "name-of-"+id)
		channels = append(channels, config.Channel{ID: id, Apps: []config.App{iosApp}})
	}

	targets := p.named(t.Context(), channels)
	assert.Len(t, targets, nameLookupBurst)
	assert.Equal(t, "#name-of-C00000007", targets[7].ChannelName)
	assert.LessOrEqual(t, int(api.most.Load()), nameLookupsInParallel, "look-ups at once")
	assert.Equal(t, int32(nameLookupBurst), api.calls.Load())
	assert.Len(t, fake.Calls("conversations.info"), nameLookupBurst, "Slack was asked each name once")

	p.named(t.Context(), channels)
	assert.Equal(t, int32(nameLookupBurst), api.calls.Load(), "the second form's names come from the cache")
}

// A form that could not wait for the names shows the channels' ids, and the names are asked of
// Slack in the background: type-ahead and the next form have them, without asking again.
func TestNamesAFormCouldNotWaitForAreLearnedInTheBackground(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	p := &targetPicker{names: newChannelNames(&slackCalls{api: slack.New(fake.BotToken(), slack.OptionAPIURL(fake.APIURL()))}, 0)}
	var channels []config.Channel
	for i := range 5 {
		id := fmt.Sprintf("C%08d", i)
		fake.AddChannel(id, "name-of-"+id)
		channels = append(channels, config.Channel{ID: id, Apps: []config.App{iosApp}})
	}
	waited, stop := context.WithCancel(t.Context())
	stop() // the form's wait is over before any name comes

	for _, target := range p.named(waited, channels) {
		assert.Equal(t, target.Channel.ID, target.ChannelName, "an unnamed channel shows as its id")
	}
	assert.Empty(t, fake.Calls("conversations.info"), "the form asked nothing")

	ctx, cancel := context.WithCancel(waitContext(t))
	ran := make(chan struct{})
	go func() { p.names.run(ctx); close(ran) }()
	t.Cleanup(func() { cancel(); <-ran })
	_, err := fake.WaitCall(ctx, "conversations.info", func(slackfake.Call) bool {
		return len(fake.Calls("conversations.info")) == len(channels)
	})
	require.NoError(t, err, "every channel is asked for in the background")
	for _, target := range p.named(t.Context(), channels) {
		assert.Equal(t, "#name-of-"+target.Channel.ID, target.ChannelName, "the next form has the name")
	}
	assert.Len(t, fake.Calls("conversations.info"), len(channels), "each name was asked once")
}
