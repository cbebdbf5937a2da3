package bot

import (
	"context"
	"errors"
	"net/http"
	"path"
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
	GetUserByEmailContext(ctx context.Context, email string) (*slack.User, error)
	AuthTestContext(ctx context.Context) (*slack.AuthTestResponse, error)
}

// RateLimitRetries makes a *slack.Client wait out Slack's 429s (Retry-After) and try again,
// up to attempts times, telling onLimited about each one for metrics. slack-go's retry layer
// does the waiting, each call in its own goroutine, so one rate-limited channel (Slack allows
// about one chat.postMessage per second per channel) never holds up the others.
func RateLimitRetries(attempts int, onLimited func(method string)) slack.Option {
	cfg := slack.DefaultRetryConfig()
	cfg.MaxRetries = attempts
	cfg.RetryAfterDuration = time.Second // when Slack sends no Retry-After
	cfg.RetryAfterJitter = 250 * time.Millisecond
	cfg.Handlers = []slack.RetryHandler{countedRateLimits{slack.NewRateLimitErrorRetryHandler(cfg), onLimited}}
	return slack.OptionRetryConfig(cfg)
}

type countedRateLimits struct {
	slack.RetryHandler
	onLimited func(method string)
}

func (c countedRateLimits) ShouldRetry(state *slack.RetryState, req *http.Request, resp *http.Response, err error) (bool, time.Duration) {
	if resp != nil && resp.StatusCode == http.StatusTooManyRequests && c.onLimited != nil {
		c.onLimited(path.Base(req.URL.Path)) // …/api/chat.postMessage → chat.postMessage
	}
	return c.RetryHandler.ShouldRetry(state, req, resp, err)
}

// slackCalls wraps every Web API call the bot makes, reporting failures to metrics.
type slackCalls struct {
	api        SlackAPI
	httpClient *http.Client
	onError    func(method string, err error)
}

func (s *slackCalls) observe(method string, err error) error {
	if err != nil && s.onError != nil {
		s.onError(method, err)
	}
	return err
}

func (s *slackCalls) post(ctx context.Context, channel string, opts ...slack.MsgOption) (string, error) {
	_, ts, err := s.api.PostMessageContext(ctx, channel, opts...)
	return ts, s.observe("chat.postMessage", err)
}

func (s *slackCalls) update(ctx context.Context, channel, ts string, opts ...slack.MsgOption) error {
	_, _, _, err := s.api.UpdateMessageContext(ctx, channel, ts, opts...)
	return s.observe("chat.update", err)
}

func (s *slackCalls) ephemeral(ctx context.Context, channel, user string, opts ...slack.MsgOption) error {
	_, err := s.api.PostEphemeralContext(ctx, channel, user, opts...)
	return s.observe("chat.postEphemeral", err)
}

// openView opens a modal. A trigger id is valid for 3 s and single use, so this is called right
// after the ack, before anything slow, and never repeated.
func (s *slackCalls) openView(ctx context.Context, triggerID string, view slack.ModalViewRequest) (string, error) {
	resp, err := s.api.OpenViewContext(ctx, triggerID, view)
	if err != nil {
		return "", s.observe("views.open", err)
	}
	return resp.ID, nil
}

func (s *slackCalls) updateView(ctx context.Context, viewID string, view slack.ModalViewRequest) error {
	_, err := s.api.UpdateViewContext(ctx, view, "", "", viewID)
	return s.observe("views.update", err)
}

func (s *slackCalls) publishHome(ctx context.Context, user string, view slack.HomeTabViewRequest) error {
	_, err := s.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: user, View: view})
	return s.observe("views.publish", err)
}

// respond posts to a slash command's or shortcut's response_url, which works even where the bot
// is not a member of the channel. The URL is a credential for 30 minutes, so it never appears
// in the error: slack-go's own message would quote it.
func (s *slackCalls) respond(ctx context.Context, responseURL string, msg *slack.WebhookMessage) error {
	err := slack.PostWebhookCustomHTTPContext(ctx, responseURL, s.httpClient, msg)
	return s.observe("response_url", withoutURL(err, responseURL))
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
