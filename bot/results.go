package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/invite"
)

// The results thread: a parent message edited live from "inviting…" to a summary, the testers
// in its thread in groups, and the app's download link.

// testersPerMessage keeps each thread reply well inside Slack's 50-block limit while grouping
// a bulk invite into a few messages rather than one per email.
const testersPerMessage = 20

// message is one Slack message: blocks plus the plain text used for notifications (and shown
// alone when Slack refuses the blocks).
type message struct {
	text   string
	blocks []slack.Block
}

// startInvite hands a request to the invite core, which saves it before anything else and
// reports through the results thread. Only a request that could not be saved comes back here.
func (b *Bot) startInvite(ctx context.Context, w who, req invite.Request) {
	if err := b.d.Invites.Start(ctx, req, &resultsThread{b: b, asker: w}); err != nil {
		b.log.Error("could not start an invite", "user", w.userID, "channel", req.ChannelID, "error", err.Error())
		b.tell(ctx, w, ":x: I couldn't record your request (my database did not answer), so I did nothing. Please try again in a moment.")
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
		if err := t.post(ctx, r, parent, groupMessage(r.Request, group)); err != nil {
			return shown, err
		}
		t.tellTesters(ctx, r, group)
		shown += len(group)
	}
	return shown, nil
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
	b.log.Warn("cannot post in channel", "channel", channelID, "error", code)
	text := fmt.Sprintf(":warning: I can't post in <#%s> (Slack said %s), so I did not invite anyone.", channelID, code)
	switch code {
	case "not_in_channel", "channel_not_found":
		text += " Add me to the channel first: type `/invite @testerbot` there (for a private channel, a member must do it), then try again."
	case "is_archived":
		text += " The channel is archived; ask an admin to map another channel."
	default:
		text += " Please try again in a moment."
	}
	b.tell(ctx, w, text)
}

func startText(req invite.Request) string {
	return fmt.Sprintf(":hourglass_flowing_sand: <@%s> is inviting %s into *%s*%s…",
		req.UserID, plural(len(req.Emails), "tester", "testers"), esc(req.AppName), req.Reply.Note)
}

func progressText(req invite.Request, done int) string {
	return fmt.Sprintf(":hourglass_flowing_sand: <@%s> is inviting testers into *%s*%s: %d of %d done…",
		req.UserID, esc(req.AppName), req.Reply.Note, done, len(req.Emails))
}

// summaryText is the parent message once everything is done.
func summaryText(r *invite.Report) string {
	req := r.Request
	icon := ":white_check_mark:"
	if r.Count(invite.Failed) > 0 || r.Count(invite.Refused) > 0 {
		icon = ":warning:"
	}
	parts := []string{fmt.Sprintf("%d invited", r.Count(invite.Invited))}
	if n := r.Count(invite.AlreadyInvited); n > 0 {
		parts = append(parts, fmt.Sprintf("%d already invited", n))
	}
	if n := r.Count(invite.Refused); n > 0 {
		parts = append(parts, fmt.Sprintf("%d refused", n))
	}
	if n := r.Count(invite.Failed); n > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", n))
	}
	return fmt.Sprintf("%s <@%s> invited %s into *%s*%s: %s. Details in the thread.",
		icon, req.UserID, plural(len(r.Results), "tester", "testers"), esc(req.AppName), req.Reply.Note, strings.Join(parts, ", "))
}

// groupMessage is one thread reply: a group of testers' outcomes.
func groupMessage(req invite.Request, results []invite.Result) message {
	blocks := make([]slack.Block, 0, len(results))
	lines := make([]string, 0, len(results))
	for _, res := range results {
		blocks = append(blocks, resultBlock(req, res))
		lines = append(lines, resultLine(res))
	}
	return message{text: cutMrkdwn(strings.Join(lines, "\n"), maxMrkdwn), blocks: blocks}
}

// linkMessage is the last reply: where testers download the app, when anyone may now.
func linkMessage(r *invite.Report) (message, bool) {
	if r.Count(invite.Invited)+r.Count(invite.AlreadyInvited) == 0 {
		return message{}, false
	}
	text := linkText(r.Request.AppName, r.DistributionURL)
	return message{text: text, blocks: []slack.Block{section(text, nil)}}, true
}

func linkText(appName, url string) string {
	if url == "" {
		return fmt.Sprintf(":link: Applivery has no public download link for *%s*. Testers get an email from Applivery with a one-time password, and find the app in your Applivery store after signing in with it.", esc(appName))
	}
	return fmt.Sprintf(":link: Testers download *%s* from %s (they sign in with the one-time password Applivery emails them). Forward the link if they can't find the email.", esc(appName), slackLink(url))
}

// slackLink shows an API-supplied URL as a link, escaping what could break out of it.
func slackLink(url string) string {
	if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
		return code(url)
	}
	u := strings.NewReplacer("|", "%7C", "<", "%3C", ">", "%3E", "&", "&amp;").Replace(url)
	return "<" + u + ">"
}

func resultLine(res invite.Result) string {
	switch res.Outcome {
	case invite.Invited:
		return "invited " + esc(res.Email)
	case invite.AlreadyInvited:
		return esc(res.Email) + " was already a tester"
	case invite.Refused:
		return "refused " + esc(res.Email)
	default:
		return "failed to invite " + esc(res.Email)
	}
}

// resultBlock is one tester's outcome, with a Revoke button for someone invited.
func resultBlock(req invite.Request, res invite.Result) slack.Block {
	var text string
	var accessory *slack.Accessory
	switch res.Outcome {
	case invite.Invited:
		text = fmt.Sprintf(":white_check_mark: *%s* invited\n%s", esc(res.Email), userDetails(req.AppName, res.Tester, true))
		accessory = slack.NewAccessory(revokeButton(revokeTargetOf(req, res)))
	case invite.AlreadyInvited:
		text = fmt.Sprintf(":information_source: *%s* %s\n%s", esc(res.Email), alreadyText(res), userDetails(req.AppName, res.Tester, false))
		accessory = slack.NewAccessory(revokeButton(revokeTargetOf(req, res)))
	case invite.Refused:
		text = fmt.Sprintf(":no_entry_sign: *%s* not invited: %s", esc(res.Email), problemText(res.Problem))
	default:
		text = fmt.Sprintf(":x: *%s* failed: %s\n%s", esc(res.Email), appliveryError(res), problemText(res.Problem))
	}
	return section(text, accessory)
}

func revokeTargetOf(req invite.Request, res invite.Result) revokeTarget {
	rt := revokeTarget{Store: req.StoreID, App: req.AppID, AppName: req.AppName, Email: res.Email, Channel: req.ChannelID}
	if res.Tester != nil {
		rt.OTPUserID = res.Tester.ID
	}
	return rt
}

func appliveryError(res invite.Result) string {
	if res.ErrorCode != 0 {
		return fmt.Sprintf("Applivery error %d, %s.", res.ErrorCode, code(truncate(res.Problem.Detail, 200)))
	}
	return "no answer from Applivery."
}

// alreadyText says why an address was not invited again.
func alreadyText(res invite.Result) string {
	if res.InvitedBy != "" {
		return fmt.Sprintf("was invited by <@%s> moments ago, so I did not invite them again", res.InvitedBy)
	}
	return "was already a tester, so I did not invite them again"
}

// userDetails lists what the inviter needs about one OTP user.
func userDetails(appName string, u *applivery.OTPUser, created bool) string {
	if u == nil {
		return esc(appName)
	}
	parts := []string{"OTP user " + code(u.ID), esc(appName), downloadsText(u.AllowedDownloadsNum)}
	if created && !u.CreatedAt.IsZero() {
		parts = append(parts, "created "+slackDate(u.CreatedAt))
	}
	if !created {
		if u.LastDownloadAt != nil && !u.LastDownloadAt.IsZero() {
			parts = append(parts, "last download "+slackDate(*u.LastDownloadAt))
		} else {
			parts = append(parts, "no download yet")
		}
	}
	return strings.Join(parts, " · ")
}
