package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/internal/slackauth"
	"github.com/testerbot/testerbot/invite"
)

// The results thread: a parent message edited live from "inviting…" to a summary, the testers
// in its thread in groups, and the app's download link. Its messages are built in
// results_view.go; testers.go tells the testers themselves.

// startInvite hands a request to the invite core, which saves it before anything else and
// reports through the results thread. Only a request that could not be saved comes back here.
func (b *Bot) startInvite(ctx context.Context, w who, req invite.Request) {
	if err := b.d.Invites.Start(ctx, req, &resultsThread{b: b, asker: w}); err != nil {
		b.log.Error("could not start an invite", "user", w.userID, "channel", req.ChannelID, "error", err.Error())
		b.tell(ctx, w, ":x: I couldn't record your request ("+dbTrouble(err)+"), so I did nothing. "+dbAdvice(err))
	}
}

// resultsThread shows one request in Slack; it is the invite core's Reporter. A request
// resumed after a restart has no asker: the person is then reached by user and channel.
type resultsThread struct {
	b     *Bot
	asker who                       // the person who asked, with their response_url, while it is still valid
	begun func(ctx context.Context) // called once the parent message is posted, when set
}

func (t *resultsThread) who(r invite.Report) who {
	if t.asker.userID != "" {
		return t.asker
	}
	return who{userID: r.Request.UserID, channelID: r.Request.Reply.Channel}
}

// threadOf is where the results go: the thread the request came from (message shortcut), else
// the parent message's own thread.
func threadOf(reply invite.Reply, parent string) string {
	if reply.Thread != "" {
		return reply.Thread
	}
	return parent
}

// Begin posts the parent message. If the bot cannot post in the channel nobody is invited, and
// the person is told how to fix it: results nobody could see would be lost.
func (t *resultsThread) Begin(ctx context.Context, r invite.Report, reply invite.Reply) (string, error) {
	ts, err := t.b.slack.post(ctx, reply.Channel, slack.MsgOptionText(startText(r.Request), false), slack.MsgOptionTS(reply.Thread))
	if err != nil {
		t.b.cannotPost(ctx, t.who(r), reply.Channel, err)
		return "", err
	}
	if t.begun != nil {
		t.begun(ctx)
	}
	return ts, nil
}

// Progress edits the parent message.
func (t *resultsThread) Progress(ctx context.Context, r invite.Report, parent string, done int) {
	_ = t.b.slack.update(ctx, r.Request.Reply.Channel, parent, slack.MsgOptionText(progressText(r.Request, done), false))
}

// Deliver posts the results in groups of testersPerMessage; a partial group waits for more,
// unless final.
func (t *resultsThread) Deliver(ctx context.Context, r invite.Report, parent string, results []invite.Result, final bool) (int, error) {
	shown := 0
	for left := len(results) - shown; left >= testersPerMessage || (final && left > 0); left = len(results) - shown {
		group := results[shown : shown+min(left, testersPerMessage)]
		if err := t.post(ctx, r, parent, groupMessage(r.Request, group, t.keptEnds(ctx, r.Request, group))); err != nil {
			return shown, err
		}
		t.tellTesters(ctx, r, group)
		shown += len(group)
	}
	return shown, nil
}

// keptEnds reads when the access of those already testers ends, so their results can say so.
func (t *resultsThread) keptEnds(ctx context.Context, req invite.Request, group []invite.Result) map[string]time.Time {
	var already []invite.Tester
	for _, res := range group {
		if res.Outcome == invite.AlreadyInvited && res.Tester != nil {
			already = append(already, invite.Tester{User: *res.Tester})
		}
	}
	return t.b.accessEnds(ctx, req.StoreID, already)
}

// Finish edits the parent message to the summary and adds the app's download link.
func (t *resultsThread) Finish(ctx context.Context, r invite.Report, parent string) error {
	if err := t.b.slack.update(ctx, r.Request.Reply.Channel, parent, slack.MsgOptionText(summaryText(&r), false)); err != nil {
		t.b.log.Warn("could not update the parent message", "request_id", r.Request.ID, "error", slackErrorCode(err))
	}
	if link, ok := linkMessage(&r); ok {
		return t.post(ctx, r, parent, link)
	}
	return nil
}

// post puts one message in the results thread. When Slack refuses the message itself (its
// blocks), the plain text goes instead and the rest follows: one bad message must never lose
// the others. Only a channel out of reach is an error; the person is then told.
func (t *resultsThread) post(ctx context.Context, r invite.Report, parent string, msg message) error {
	channel, thread := r.Request.Reply.Channel, threadOf(r.Request.Reply, parent)
	_, err := t.b.slack.post(ctx, channel, slack.MsgOptionTS(thread), slack.MsgOptionText(msg.text, false), slack.MsgOptionBlocks(msg.blocks...))
	if err == nil {
		return nil
	}
	if channelGone(err) {
		t.b.log.Error("could not post results", "request_id", r.Request.ID, "error", slackErrorCode(err))
		t.b.tell(ctx, t.who(r), "I invited the testers but could not post the details in the thread: "+code(slackErrorCode(err))+". See the App Home for the latest invitations.")
		return err
	}
	t.b.log.Warn("Slack refused a results message; posting it as plain text", "request_id", r.Request.ID, "error", slackErrorCode(err))
	if _, err := t.b.slack.post(ctx, channel, slack.MsgOptionTS(thread), slack.MsgOptionText(msg.text, false)); err != nil {
		t.b.log.Error("could not post results as plain text either", "request_id", r.Request.ID, "error", slackErrorCode(err))
	}
	return nil
}

// channelGone reports a Slack error that concerns the channel rather than the message.
func channelGone(err error) bool {
	switch slackErrorCode(err) {
	case "not_in_channel", "channel_not_found", "is_archived", "restricted_action", "restricted_action_thread_only":
		return true
	}
	return false
}

// cannotPost tells the person why their invite did not run, with the fix.
func (b *Bot) cannotPost(ctx context.Context, w who, channelID string, err error) {
	code := slackErrorCode(err)
	if slackauth.Refused(code) {
		b.log.Error("Slack refused SLACK_BOT_TOKEN: reinstall the app or update the token", "channel", channelID, "error", code)
	} else {
		b.log.Warn("cannot post in channel", "channel", channelID, "error", code)
	}
	text := fmt.Sprintf(":warning: I can't post in <#%s> (Slack said %s), so I did not invite anyone.", channelID, code)
	switch code {
	case "not_in_channel", "channel_not_found":
		text += " Add me to the channel first: type `/invite @testerbot` there (for a private channel, a member must do it), then try again."
	case "is_archived":
		text += " The channel is archived; ask an admin to map another channel."
	default:
		text += " " + slackAdvice(err)
	}
	b.tell(ctx, w, text)
}
