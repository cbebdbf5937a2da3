package bot

import (
	"context"
	"fmt"

	"github.com/testerbot/testerbot/internal/expiry"
	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/outbox"
)

// Access that ends: when the time comes the expiry package removes the tester, and this file
// says so in the original invite's thread.

// endsThread tells people in the original invite's thread that a tester's access ended; it is
// the expiry package's Reporter.
type endsThread struct {
	posts   *posts
	command string // the slash command, for the way to remove by hand
}

// Ended says in the thread that access ended.
func (t endsThread) Ended(ctx context.Context, e expiry.End) error {
	text := fmt.Sprintf(":hourglass: Access for *%s* to *%s* ended as planned %s: I removed them from Applivery (OTP user %s).",
		esc(e.Email), esc(e.AppName), slackDate(e.EndsAt), code(e.OTPUserID))
	if e.State == expiry.Gone {
		text = fmt.Sprintf(":hourglass: Access for *%s* to *%s* ended as planned %s. Applivery no longer had them: they had been removed outside the bot (from its dashboard, or by Applivery itself).",
			esc(e.Email), esc(e.AppName), slackDate(e.EndsAt))
	}
	return t.post(ctx, e, text)
}

// Failed says in the thread that access could not be ended, so that someone removes the tester.
func (t endsThread) Failed(ctx context.Context, e expiry.End, p invite.Problem) error {
	return t.post(ctx, e, fmt.Sprintf(":warning: Access for *%s* to *%s* was to end %s, but Applivery kept failing. %s Remove them with `%s remove %s` in <#%s>.",
		esc(e.Email), esc(e.AppName), slackDate(e.EndsAt), problemText(p), t.command, esc(e.Email), e.ChannelID))
}

// post saves the note for the outbox, once per end (an end scheduled again is a new one).
func (t endsThread) post(ctx context.Context, e expiry.End, text string) error {
	key := fmt.Sprintf("end:%s/%s/%s/%d:%s", e.StoreID, e.AppID, e.OTPUserID, e.EndsAt.UnixMilli(), e.State)
	_, err := t.posts.enqueue(ctx, outbox.Message{Key: key, Channel: e.ReplyChannel, Thread: e.ReplyThread, Text: text,
		Group: e.RequestID})
	return err
}
