package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
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

// withoutURL strips a URL out of an error, keeping what went wrong ("connection refused",
// "slack server error: 404 Not Found").
func withoutURL(err error, rawURL string) error {
	if err == nil {
		return nil
	}
	if urlErr, ok := errors.AsType[*url.Error](err); ok {
		err = urlErr.Err
	}
	msg := strings.ReplaceAll(err.Error(), rawURL, "[response_url]")
	if u, parseErr := url.Parse(rawURL); parseErr == nil && u.Path != "" {
		msg = strings.ReplaceAll(msg, u.Path, "[response_url]")
	}
	return &redactedError{msg: "response_url: " + msg, err: err}
}

// redactedError keeps the original error reachable for errors.Is/As (a slack.StatusCodeError,
// a context deadline) while its text carries no credential.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// channelName returns "#name" for a channel id, or the id itself when Slack will not say.
func (b *Bot) channelName(ctx context.Context, id string) string {
	name, err := b.names.Get(ctx, id, func(ctx context.Context) (string, error) {
		ch, err := b.d.Slack.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: id})
		if err != nil {
			return "", b.slack.observe("conversations.info", err)
		}
		if ch.Name == "" {
			return id, nil
		}
		return "#" + ch.Name, nil
	})
	if err != nil {
		return id
	}
	return name
}

// cachedChannelName is channelName without asking Slack: for acks, which cannot wait.
func (b *Bot) cachedChannelName(id string) string {
	if name, ok := b.names.Peek(id); ok {
		return name
	}
	return id
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
		b.log.Debug("could not answer through response_url; trying another way", "user", w.userID, "error", err.Error())
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
		b.log.Warn("could not tell the user", "user", w.userID, "error", errors.Join(failed...).Error())
	}
}

// ephemeral is a slash command ack that shows text only to the person who typed it.
type ephemeral struct {
	ResponseType string `json:"response_type"`
	Text         string `json:"text"`
}

func ephemeralAck(text string) ephemeral {
	return ephemeral{ResponseType: slack.ResponseTypeEphemeral, Text: text}
}
