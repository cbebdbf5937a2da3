package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/outbox"
	"github.com/testerbot/testerbot/internal/slackauth"
)

// The results thread: a parent message edited live from "inviting…" to a summary, the testers
// in its thread in groups, and the app's download link. Its messages are built in
// results_view.go; testers.go tells the testers themselves.

// inviter starts invites, each with its results thread: the command, the form and an approval
// all start theirs here.
type inviter struct {
	replies // tells the person when their request could not be saved
	invites *invite.Service
	posts   *posts
	reads   *testerReads // when kept testers' access ends
}

// thread is the results thread of one request, answering asker; begun is called once its parent
// message is posted, when set. A request resumed after a restart has no asker.
func (v *inviter) thread(asker who, begun func(ctx context.Context)) *resultsThread {
	return &resultsThread{posts: v.posts, reads: v.reads, asker: asker, begun: begun}
}

// start hands a request to the invite core, which saves it before anything else and reports
// through the results thread. Only a request that could not be saved comes back here.
func (v *inviter) start(ctx context.Context, w who, req invite.Request) {
	if err := v.invites.Start(ctx, req, v.thread(w, nil)); err != nil {
		v.log.Error("could not start an invite", "user", w.userID, "channel", req.ChannelID, "error", err)
		v.tell(ctx, w, ":x: I couldn't record your request ("+dbTrouble(err)+"), so I did nothing. "+dbAdvice(err))
	}
}

// resultsThread shows one request in Slack; it is the invite core's Reporter. A request
// resumed after a restart has no asker: the person is then reached by user and channel.
type resultsThread struct {
	posts *posts
	reads *testerReads
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

// Begin posts the parent message through the outbox and waits until Slack has it: a 429 only
// delays it. If the bot cannot post in the channel nobody is invited, and the person is told how
// to fix it: results nobody could see would be lost.
func (t *resultsThread) Begin(ctx context.Context, r invite.Report, reply invite.Reply) (string, error) {
	w := t.who(r)
	ts, err := t.posts.postAndWait(ctx, outbox.Message{Key: parentKey(r.Request.ID), Channel: reply.Channel,
		Thread: reply.Thread, Text: startText(r.Request), Priority: outbox.PriorityParent, Group: r.Request.ID,
		Asker: w.userID, AskerURL: w.responseURL})
	if refused, ok := errors.AsType[*notPosted](err); ok {
		t.posts.cannotPostCode(ctx, w, reply.Channel, refused.code)
		return "", err
	}
	if err != nil {
		return "", err
	}
	if t.begun != nil {
		t.begun(ctx)
	}
	return ts, nil
}

// Progress edits the parent message; edits waiting in the outbox collapse to the latest.
func (t *resultsThread) Progress(ctx context.Context, r invite.Report, parent string, done int) {
	_, _ = t.posts.enqueue(ctx, t.edit(r, parent, progressText(r.Request, done)))
}

func (t *resultsThread) edit(r invite.Report, parent, text string) outbox.Message {
	return outbox.Message{Key: editKey(r.Request.ID), Kind: outbox.Update, Channel: r.Request.Reply.Channel,
		TS: parent, Text: text, Replace: true, Group: r.Request.ID}
}

// Deliver saves the results in groups of testersPerMessage for the outbox to post; a partial
// group waits for more, unless final. Once saved a group is shown, however long Slack takes.
func (t *resultsThread) Deliver(ctx context.Context, r invite.Report, parent string, results []invite.Result, final bool) (int, error) {
	first := position(r, results)
	shown := 0
	for left := len(results) - shown; left >= testersPerMessage || (final && left > 0); left = len(results) - shown {
		group := results[shown : shown+min(left, testersPerMessage)]
		if err := t.post(ctx, r, parent, groupKey(r.Request.ID, first+shown), groupMessage(r.Request, group, t.keptEnds(ctx, r.Request, group))); err != nil {
			return shown, err
		}
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
	return t.reads.accessEnds(ctx, req.StoreID, already)
}

// position is where results start among the request's results: each address is in a request
// once, so the first one's address says.
func position(r invite.Report, results []invite.Result) int {
	for i, res := range r.Results {
		if len(results) > 0 && strings.EqualFold(res.Email, results[0].Email) {
			return i
		}
	}
	return 0
}

// Finish edits the parent message to the summary and adds the app's download link. The summary
// replaces any progress edit still waiting, and is kept until it lands.
func (t *resultsThread) Finish(ctx context.Context, r invite.Report, parent string) error {
	if _, err := t.posts.enqueue(ctx, t.edit(r, parent, summaryText(&r))); err != nil {
		return err
	}
	t.tellTesters(ctx, r)
	if link, ok := linkMessage(&r); ok {
		return t.post(ctx, r, parent, linkKey(r.Request.ID), link)
	}
	return nil
}

// post saves one message of the results thread. Slack's refusals are the outbox's business:
// blocks it refuses go as text alone, a channel out of reach tells the person who asked.
func (t *resultsThread) post(ctx context.Context, r invite.Report, parent, key string, msg message) error {
	w := t.who(r)
	_, err := t.posts.enqueue(ctx, outbox.Message{Key: key, Channel: r.Request.Reply.Channel,
		Thread: threadOf(r.Request.Reply, parent), Text: msg.text, Blocks: encodeBlocks(msg.blocks),
		Group: r.Request.ID, Asker: w.userID, AskerURL: w.responseURL})
	return err
}

// cannotPostCode tells the person why their invite did not run, with the fix, from Slack's
// error code.
func (r replies) cannotPostCode(ctx context.Context, w who, channelID, slackCode string) {
	if slackauth.Refused(slackCode) {
		r.log.Error("Slack refused SLACK_BOT_TOKEN: reinstall the app or update the token", "channel", channelID, "error", slackCode)
	} else {
		r.log.Warn("cannot post in channel", "channel", channelID, "error", slackCode)
	}
	text := fmt.Sprintf(":warning: I can't post in <#%s> (Slack said %s), so I did not invite anyone.", channelID, slackCode)
	switch slackCode {
	case "not_in_channel", "channel_not_found":
		text += " Add me to the channel first: type `/invite @testerbot` there (for a private channel, a member must do it), then try again."
	case "is_archived":
		text += " The channel is archived; ask an admin to map another channel."
	default:
		text += " " + slackAdvice(slackCode)
	}
	r.tell(ctx, w, text)
}
