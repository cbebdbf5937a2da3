package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/internal/outbox"
	"github.com/testerbot/testerbot/internal/slackauth"
)

// Every Slack write after an ack goes through the outbox (package outbox): saved with an
// idempotency key, then sent at Slack's pace. This file holds the keys, the bot's Slack client
// as the sender calls it, and what the bot tells people about messages that cannot be posted.

// Keys: one per message a person was promised, the same however often the work is repeated
// (a restart, a take-over), so each message is sent once.
func parentKey(requestID string) string         { return "r:" + requestID + ":parent" }
func editKey(requestID string) string           { return "r:" + requestID + ":edit" }
func groupKey(requestID string, pos int) string { return fmt.Sprintf("r:%s:g%d", requestID, pos) }
func linkKey(requestID string) string           { return "r:" + requestID + ":link" }
func noticeKey(group string) string             { return "notice:" + group }
func dmKey(requestID, email string) string      { return "r:" + requestID + ":dm:" + email }
func askKey(askID string) string                { return "ask:" + askID }

// contentKey names a one-off message by where it goes and what it says: the same words to the
// same place are one message.
func contentKey(kind, channel, thread, text string) string {
	sum := sha256.Sum256([]byte(channel + "\x00" + thread + "\x00" + text))
	return kind + ":" + channel + ":" + hex.EncodeToString(sum[:12])
}

// posts is how the surfaces write to Slack after an ack: through the outbox, which saves each
// message and sends it at Slack's pace, telling the person when Slack refuses it for good.
type posts struct {
	out *outbox.Outbox
	replies
}

// newPosts builds the outbox over store, sending through sender.
func newPosts(r replies, store outbox.Store, sender outbox.Slack, o outbox.Options) *posts {
	p := &posts{replies: r}
	o.Failed = p.failed
	p.out = outbox.New(store, sender, o)
	return p
}

// enqueue saves a message for the sender; only a database that will not answer fails it.
func (p *posts) enqueue(ctx context.Context, m outbox.Message) (outbox.Record, error) {
	r, err := p.out.Enqueue(ctx, m)
	if err != nil {
		p.log.Error("could not save a message to send", "key", m.Key, "group", m.Group, "error", err)
	}
	return r, err
}

// postAndWait saves a message and waits until Slack took it (its ts) or refused it for good
// (a *notPosted). A 429 only delays it.
func (p *posts) postAndWait(ctx context.Context, m outbox.Message) (string, error) {
	if _, err := p.enqueue(ctx, m); err != nil {
		return "", err
	}
	r, err := p.out.Wait(ctx, m.Key)
	if err != nil {
		return "", err
	}
	if r.State != outbox.Sent {
		return "", &notPosted{code: r.Error}
	}
	return r.SentTS, nil
}

// notPosted is Slack's final refusal of a message, with its error code.
type notPosted struct{ code string }

func (e *notPosted) Error() string { return "slack refused the message: " + e.code }

// say posts text where the person can see it, through the outbox; when the channel is out of
// reach the person is told instead, with fallback added.
func (p *posts) say(ctx context.Context, w who, channel, thread, text, fallback string) {
	_, err := p.postAndWait(ctx, outbox.Message{Key: contentKey("say", channel, thread, text), Channel: channel,
		Thread: thread, Text: text})
	var refused *notPosted
	if errors.As(err, &refused) {
		p.tell(ctx, w, text+fallback)
	}
}

// failed tells the person who asked when results can never be posted (the bot is not in
// the channel any more) or wait on a refused bot token. A response_url needs no bot token; a
// request resumed after a restart has none, and its asker gets a direct message instead.
func (p *posts) failed(ctx context.Context, r outbox.Record, slackCode string) {
	if r.Group == "" || r.Key == parentKey(r.Group) || r.Asker == "" && r.AskerURL == "" {
		return // a request's parent: Begin tells the person itself
	}
	text := fmt.Sprintf(":warning: I invited the testers but could not post the details in the thread (Slack said %s). See the App Home for the latest invitations.", slackCode)
	if slackauth.Refused(slackCode) {
		text = ":warning: Slack refused my token, so your results wait to be posted: the testers are invited, and the details appear in the thread once an admin fixes SLACK_BOT_TOKEN."
	}
	m := outbox.Message{Key: noticeKey(r.Group), Kind: outbox.Respond, URL: r.AskerURL, Text: text, Group: r.Group}
	if r.AskerURL == "" {
		m = outbox.Message{Key: noticeKey(r.Group), Channel: r.Asker, Text: text, Group: r.Group}
	}
	_, _ = p.enqueue(ctx, m)
}

// slackWriter is the bot's Slack client as the outbox's sender calls it.
type slackWriter struct{ calls *slackCalls }

func (w slackWriter) Post(ctx context.Context, channel, thread, text string, blocks json.RawMessage) (string, error) {
	opts, err := msgOptions(text, blocks)
	if err != nil {
		return "", err
	}
	if thread != "" {
		opts = append(opts, slack.MsgOptionTS(thread))
	}
	return w.calls.post(ctx, channel, opts...)
}

func (w slackWriter) Update(ctx context.Context, channel, ts, text string, blocks json.RawMessage) error {
	opts, err := msgOptions(text, blocks)
	if err != nil {
		return err
	}
	return w.calls.update(ctx, channel, ts, opts...)
}

func (w slackWriter) Respond(ctx context.Context, url, text string, blocks json.RawMessage) error {
	msg := &slack.WebhookMessage{Text: text, ResponseType: slack.ResponseTypeEphemeral}
	if len(blocks) > 0 {
		msg.Blocks = &slack.Blocks{}
		if err := json.Unmarshal(blocks, msg.Blocks); err != nil {
			return err
		}
	}
	return w.calls.respond(ctx, url, msg)
}

func (w slackWriter) LookupEmail(ctx context.Context, email string) (string, error) {
	user, err := w.calls.api.GetUserByEmailContext(ctx, email)
	if slackErrorCode(err) == "users_not_found" {
		return "", nil
	}
	if err != nil {
		return "", w.calls.observe("users.lookupByEmail", err)
	}
	if user.IsBot || user.Deleted {
		return "", nil
	}
	return user.ID, nil
}

func (w slackWriter) AuthTest(ctx context.Context) error {
	_, err := w.calls.api.AuthTestContext(ctx)
	return err
}

func msgOptions(text string, blocks json.RawMessage) ([]slack.MsgOption, error) {
	opts := []slack.MsgOption{slack.MsgOptionText(text, false)}
	if len(blocks) == 0 {
		return opts, nil
	}
	var bs slack.Blocks
	if err := json.Unmarshal(blocks, &bs); err != nil {
		return nil, fmt.Errorf("blocks: %w", err)
	}
	return append(opts, slack.MsgOptionBlocks(bs.BlockSet...)), nil
}

// blocksJSON encodes blocks for the outbox.
func encodeBlocks(blocks []slack.Block) json.RawMessage {
	if len(blocks) == 0 {
		return nil
	}
	raw, err := json.Marshal(blocks)
	if err != nil {
		return nil // the text carries what the blocks say
	}
	return raw
}
