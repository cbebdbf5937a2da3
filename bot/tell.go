package bot

import (
	"context"
	"errors"
	"fmt"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// who identifies the person behind an envelope and where to answer them.
type who struct {
	userID, channelID, responseURL string
}

func whoOf(evt socketmode.Event) who {
	switch d := evt.Data.(type) {
	case slack.SlashCommand:
		return who{userID: d.UserID, channelID: d.ChannelID, responseURL: d.ResponseURL}
	case slack.InteractionCallback:
		w := who{userID: d.User.ID, channelID: d.Channel.ID, responseURL: d.ResponseURL}
		if len(d.ResponseURLs) > 0 && w.responseURL == "" {
			w.responseURL = d.ResponseURLs[0].ResponseURL
		}
		return w
	case slackevents.EventsAPIEvent:
		if home, ok := d.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent); ok {
			return who{userID: home.User}
		}
	}
	return who{}
}

// tell sends a private message to a person: through response_url when there is one (it works
// in channels the bot is not in), else as an ephemeral message in the channel, else as a direct
// message; each way that fails falls through to the next.
func (b *Bot) tell(ctx context.Context, w who, text string) {
	var failed []error
	if w.responseURL != "" {
		err := b.slack.respond(ctx, w.responseURL, &slack.WebhookMessage{Text: text, ResponseType: slack.ResponseTypeEphemeral})
		if err == nil {
			return
		}
		b.log.Debug("could not answer through response_url; trying another way", "user", w.userID, "error", err)
		failed = append(failed, err)
	}
	if w.channelID != "" && w.userID != "" {
		err := b.slack.ephemeral(ctx, w.channelID, w.userID, slack.MsgOptionText(text, false))
		if err == nil {
			return
		}
		failed = append(failed, fmt.Errorf("chat.postEphemeral: %w", err))
	}
	if w.userID != "" {
		_, err := b.slack.post(ctx, w.userID, slack.MsgOptionText(text, false))
		if err == nil {
			return
		}
		failed = append(failed, fmt.Errorf("direct message: %w", err))
	}
	if len(failed) > 0 {
		b.log.Warn("could not tell the user", "user", w.userID, "error", errors.Join(failed...))
	}
}
