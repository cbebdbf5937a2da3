package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

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

// replies is how the bot answers people outside a channel's messages: privately (tell), with a
// modal on a trigger id (modal.go), and with what to say when access could not be checked. Each
// surface reaches it as a value of its own rather than through *Bot, so a surface holds only
// what it uses. The Bot embeds it.
type replies struct {
	slack *slackCalls
	log   *slog.Logger
}

// tell sends a private message to a person: through response_url when there is one (it works
// in channels the bot is not in), else as an ephemeral message in the channel, else as a direct
// message; each way that fails falls through to the next.
func (r replies) tell(ctx context.Context, w who, text string) {
	var failed []error
	if w.responseURL != "" {
		err := r.slack.respond(ctx, w.responseURL, &slack.WebhookMessage{Text: text, ResponseType: slack.ResponseTypeEphemeral})
		if err == nil {
			return
		}
		r.log.Debug("could not answer through response_url; trying another way", "user", w.userID, "error", err)
		failed = append(failed, err)
	}
	if w.channelID != "" && w.userID != "" {
		err := r.slack.ephemeral(ctx, w.channelID, w.userID, slack.MsgOptionText(text, false))
		if err == nil {
			return
		}
		failed = append(failed, fmt.Errorf("chat.postEphemeral: %w", err))
	}
	if w.userID != "" {
		_, err := r.slack.post(ctx, w.userID, slack.MsgOptionText(text, false))
		if err == nil {
			return
		}
		failed = append(failed, fmt.Errorf("direct message: %w", err))
	}
	if len(failed) > 0 {
		r.log.Warn("could not tell the user", "user", w.userID, "error", errors.Join(failed...))
	}
}
