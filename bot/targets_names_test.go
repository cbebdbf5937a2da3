package bot

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/assert"

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
