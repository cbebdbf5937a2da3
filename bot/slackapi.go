package bot

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/slack-go/slack"
)

// SlackAPI is the part of Slack's Web API the bot calls; *slack.Client has it.
type SlackAPI interface {
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	PostEphemeralContext(ctx context.Context, channelID, userID string, options ...slack.MsgOption) (string, error)
	UpdateMessageContext(ctx context.Context, channelID, timestamp string, options ...slack.MsgOption) (string, string, string, error)
	OpenViewContext(ctx context.Context, triggerID string, view slack.ModalViewRequest) (*slack.ViewResponse, error)
	UpdateViewContext(ctx context.Context, view slack.ModalViewRequest, externalID, hash, viewID string) (*slack.ViewResponse, error)
	PublishViewContext(ctx context.Context, req slack.PublishViewContextRequest) (*slack.ViewResponse, error)
	GetConversationInfoContext(ctx context.Context, input *slack.GetConversationInfoInput) (*slack.Channel, error)
}

// slackCalls wraps every Web API call the bot makes: a 429 waits for Retry-After and tries
// again. Each call waits in its own goroutine, so one rate-limited channel (Slack limits
// chat.postMessage per channel) never holds up the others.
type slackCalls struct {
	api        SlackAPI
	httpClient *http.Client
	attempts   int
	maxWait    time.Duration
	onError    func(method string, err error) // metrics
}

func (s *slackCalls) retry(ctx context.Context, method string, call func() error) error {
	var err error
	for attempt := 0; attempt < s.attempts; attempt++ {
		if err = call(); err == nil {
			return nil
		}
		if s.onError != nil {
			s.onError(method, err)
		}
		var limited *slack.RateLimitedError
		if !errors.As(err, &limited) {
			return err
		}
		wait := min(max(limited.RetryAfter, 100*time.Millisecond), s.maxWait)
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
	}
	return err
}

func (s *slackCalls) post(ctx context.Context, channel string, opts ...slack.MsgOption) (ts string, err error) {
	err = s.retry(ctx, "chat.postMessage", func() error {
		_, ts, err = s.api.PostMessageContext(ctx, channel, opts...)
		return err
	})
	return ts, err
}

func (s *slackCalls) update(ctx context.Context, channel, ts string, opts ...slack.MsgOption) error {
	return s.retry(ctx, "chat.update", func() error {
		_, _, _, err := s.api.UpdateMessageContext(ctx, channel, ts, opts...)
		return err
	})
}

func (s *slackCalls) ephemeral(ctx context.Context, channel, user string, opts ...slack.MsgOption) error {
	return s.retry(ctx, "chat.postEphemeral", func() error {
		_, err := s.api.PostEphemeralContext(ctx, channel, user, opts...)
		return err
	})
}

// openView must not retry: a trigger id is single use and expires in 3 s.
func (s *slackCalls) openView(ctx context.Context, triggerID string, view slack.ModalViewRequest) (*slack.ViewResponse, error) {
	resp, err := s.api.OpenViewContext(ctx, triggerID, view)
	if err != nil && s.onError != nil {
		s.onError("views.open", err)
	}
	return resp, err
}

func (s *slackCalls) updateView(ctx context.Context, viewID string, view slack.ModalViewRequest) error {
	return s.retry(ctx, "views.update", func() error {
		_, err := s.api.UpdateViewContext(ctx, view, "", "", viewID)
		return err
	})
}

func (s *slackCalls) publishHome(ctx context.Context, user string, view slack.HomeTabViewRequest) error {
	return s.retry(ctx, "views.publish", func() error {
		_, err := s.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: user, View: view})
		return err
	})
}

// respond posts to a slash command's or shortcut's response_url (valid 30 minutes, 5 uses),
// which works even where the bot is not a member of the channel.
func (s *slackCalls) respond(ctx context.Context, url string, msg *slack.WebhookMessage) error {
	return s.retry(ctx, "response_url", func() error {
		return slack.PostWebhookCustomHTTPContext(ctx, url, s.httpClient, msg)
	})
}

// channelName returns "#name" for a channel id, or the id itself when Slack will not say.
func (s *slackCalls) channelName(ctx context.Context, id string) string {
	ch, err := s.api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: id})
	if err != nil || ch.Name == "" {
		return id
	}
	return "#" + ch.Name
}

// slackErrorCode returns Slack's error string ("not_in_channel", …) or "".
func slackErrorCode(err error) string {
	var limited *slack.RateLimitedError
	if errors.As(err, &limited) {
		return "ratelimited"
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	if err != nil {
		return err.Error()
	}
	return ""
}
