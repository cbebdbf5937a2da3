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

// destination says where an invite's results go.
type destination struct {
	channelID string
	threadTS  string // post into this existing thread (message shortcut); "" starts a new one
	who       who    // the person who asked, told privately when the channel is out of reach
	appNote   string // appended to the parent message, e.g. which of several apps was used
}

// testersPerMessage keeps each thread reply well inside Slack's 50-block limit while grouping
// a bulk invite into a few messages rather than one per email.
const testersPerMessage = 20

// message is one Slack message: blocks plus the plain text used for notifications (and shown
// alone when Slack refuses the blocks).
type message struct {
	text   string
	blocks []slack.Block
}

// runInvite posts the parent message, runs the invite with live progress, then posts the
// per-tester details into the thread. If the bot cannot post in the channel nobody is invited,
// and the person is told how to fix it: results nobody could see would be lost.
func (b *Bot) runInvite(ctx context.Context, dest destination, req invite.Request) {
	total := len(req.Emails)
	status, err := b.slack.post(ctx, dest.channelID,
		slack.MsgOptionText(startText(req, dest.appNote), false),
		slack.MsgOptionTS(dest.threadTS))
	if err != nil {
		b.cannotPost(ctx, dest, err)
		return
	}
	thread := dest.threadTS
	if thread == "" {
		thread = status
	}
	progress := newProgressUpdater(total, progressInterval, func(done int) {
		_ = b.slack.update(ctx, dest.channelID, status, slack.MsgOptionText(progressText(req, dest.appNote, done, total), false))
	})
	report, err := b.d.Invites.Invite(ctx, req, progress.report)
	progress.stop()
	if err != nil { // refused as a whole; callers check the size first, so this is a safety net
		_ = b.slack.update(ctx, dest.channelID, status, slack.MsgOptionText(":x: "+esc(err.Error()), false))
		return
	}
	if err := b.slack.update(ctx, dest.channelID, status,
		slack.MsgOptionText(summaryText(report, dest.appNote), false)); err != nil {
		b.log.Warn("could not update the parent message", "request_id", req.ID, "error", err.Error())
	}
	for _, msg := range resultMessages(report) {
		if !b.postInThread(ctx, dest, thread, msg, req.ID) {
			return
		}
	}
}

// postInThread posts one message of results. When Slack refuses the message itself (its
// blocks), the plain text goes instead and the rest follows: one bad message must never lose
// the others. It returns false only when the channel itself is out of reach.
func (b *Bot) postInThread(ctx context.Context, dest destination, thread string, msg message, requestID string) bool {
	_, err := b.slack.post(ctx, dest.channelID, slack.MsgOptionTS(thread),
		slack.MsgOptionText(msg.text, false), slack.MsgOptionBlocks(msg.blocks...))
	if err == nil {
		return true
	}
	if channelGone(err) {
		b.log.Error("could not post results", "request_id", requestID, "error", slackErrorCode(err))
		b.tell(ctx, dest.who, "I invited the testers but could not post the details in the thread: "+code(slackErrorCode(err))+". See the App Home for the latest invitations.")
		return false
	}
	b.log.Warn("Slack refused a results message; posting it as plain text", "request_id", requestID, "error", slackErrorCode(err))
	if _, err := b.slack.post(ctx, dest.channelID, slack.MsgOptionTS(thread), slack.MsgOptionText(msg.text, false)); err != nil {
		b.log.Error("could not post results as plain text either", "request_id", requestID, "error", slackErrorCode(err))
	}
	return true
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
func (b *Bot) cannotPost(ctx context.Context, dest destination, err error) {
	code := slackErrorCode(err)
	b.log.Warn("cannot post in channel", "channel", dest.channelID, "error", code)
	text := fmt.Sprintf(":warning: I can't post in <#%s> (Slack said %s), so I did not invite anyone.", dest.channelID, code)
	switch code {
	case "not_in_channel", "channel_not_found":
		text += " Add me to the channel first: type `/invite @testerbot` there (for a private channel, a member must do it), then try again."
	case "is_archived":
		text += " The channel is archived; ask an admin to map another channel."
	default:
		text += " Please try again in a moment."
	}
	b.tell(ctx, dest.who, text)
}

func startText(req invite.Request, appNote string) string {
	return fmt.Sprintf(":hourglass_flowing_sand: <@%s> is inviting %s into *%s*%s…",
		req.UserID, plural(len(req.Emails), "tester", "testers"), esc(req.AppName), appNote)
}

func progressText(req invite.Request, appNote string, done, total int) string {
	return fmt.Sprintf(":hourglass_flowing_sand: <@%s> is inviting testers into *%s*%s: %d of %d done…",
		req.UserID, esc(req.AppName), appNote, done, total)
}

// summaryText is the parent message once everything is done.
func summaryText(r *invite.Report, appNote string) string {
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
		icon, req.UserID, plural(len(r.Results), "tester", "testers"), esc(req.AppName), appNote, strings.Join(parts, ", "))
}

// resultMessages turns a report into thread replies: the testers in groups, then the link.
func resultMessages(r *invite.Report) []message {
	var out []message
	for start := 0; start < len(r.Results); start += testersPerMessage {
		end := min(start+testersPerMessage, len(r.Results))
		var blocks []slack.Block
		var lines []string
		for _, res := range r.Results[start:end] {
			blocks = append(blocks, resultBlock(r.Request, res))
			lines = append(lines, resultLine(res))
		}
		out = append(out, message{text: cutMrkdwn(strings.Join(lines, "\n"), maxMrkdwn), blocks: blocks})
	}
	if r.Count(invite.Invited)+r.Count(invite.AlreadyInvited) > 0 {
		text := linkText(r.Request.AppName, r.DistributionURL)
		out = append(out, message{text: text, blocks: []slack.Block{section(text, nil)}})
	}
	return out
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
	switch res.Status {
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
	switch res.Status {
	case invite.Invited:
		text = fmt.Sprintf(":white_check_mark: *%s* invited\n%s", esc(res.Email), userDetails(req.AppName, res.User, true))
		accessory = slack.NewAccessory(revokeButton(revokeTargetOf(req, res)))
	case invite.AlreadyInvited:
		text = fmt.Sprintf(":information_source: *%s* was already a tester, so I did not invite them again\n%s", esc(res.Email), userDetails(req.AppName, res.User, false))
		accessory = slack.NewAccessory(revokeButton(revokeTargetOf(req, res)))
	case invite.Refused:
		text = fmt.Sprintf(":no_entry_sign: *%s* not invited: %s", esc(res.Email), esc(res.Reason))
	default:
		text = fmt.Sprintf(":x: *%s* failed: %s\n%s", esc(res.Email), appliveryError(res), esc(res.Reason))
	}
	return section(text, accessory)
}

func revokeTargetOf(req invite.Request, res invite.Result) revokeTarget {
	rt := revokeTarget{Store: req.StoreID, App: req.AppID, AppName: req.AppName, Email: res.Email, Channel: req.ChannelID}
	if res.User != nil {
		rt.OTPUserID = res.User.ID
	}
	return rt
}

func appliveryError(res invite.Result) string {
	if res.ErrorCode != 0 {
		return fmt.Sprintf("Applivery error %d, %s.", res.ErrorCode, code(truncate(res.APIMessage, 200)))
	}
	return "no answer from Applivery."
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
