package bot

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/internal/invite"
)

// The results thread's messages: the parent's text as the invite goes, each group of outcomes
// with Revoke buttons, and the download link. Pure, and golden-file tested.

// testersPerMessage keeps each thread reply well inside Slack's 50-block limit while grouping
// a bulk invite into a few messages rather than one per email.
const testersPerMessage = 20

// message is one Slack message: blocks plus the plain text used for notifications (and shown
// alone when Slack refuses the blocks).
type message struct {
	text   string
	blocks []slack.Block
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

// groupMessage is one thread reply: a group of testers' outcomes. ends holds when the access of
// those already testers ends, by OTP user id, as it stands after this invite.
func groupMessage(req invite.Request, results []invite.Result, ends map[string]time.Time) message {
	blocks := make([]slack.Block, 0, len(results))
	for _, res := range results {
		blocks = append(blocks, resultBlock(req, res, ends))
	}
	return message{text: messageText(blocks), blocks: blocks}
}

// linkMessage is the last reply: where testers download the app, when anyone may now.
func linkMessage(r *invite.Report) (message, bool) {
	if r.Count(invite.Invited)+r.Count(invite.AlreadyInvited) == 0 {
		return message{}, false
	}
	blocks := []slack.Block{section(linkText(r.Request.AppName, r.DistributionURL), nil)}
	return message{text: messageText(blocks), blocks: blocks}, true
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

// resultBlock is one tester's outcome, with a Revoke button for someone invited.
func resultBlock(req invite.Request, res invite.Result, ends map[string]time.Time) slack.Block {
	var text string
	var accessory *slack.Accessory
	switch res.Outcome {
	case invite.Invited:
		text = fmt.Sprintf(":white_check_mark: *%s* invited\n%s", esc(res.Email), userDetails(req.AppName, res.Tester, true))
		if res.WasGone {
			text += "\n" + wasGoneNote
		}
		accessory = slack.NewAccessory(revokeButton(revokeTargetOf(req, res)))
	case invite.AlreadyInvited:
		text = fmt.Sprintf(":information_source: *%s* %s%s\n%s", esc(res.Email), alreadyText(res), accessKept(req, res, ends), userDetails(req.AppName, res.Tester, false))
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

// wasGoneNote explains an invite of someone the bot had just invited: Applivery removes OTP
// users by itself (and people remove them from its dashboard), so its answer decides.
const wasGoneNote = "Applivery no longer had the tester invited moments ago (removed from its dashboard, or by Applivery itself), so I created a new one."

// alreadyText says why an address was not invited again.
func alreadyText(res invite.Result) string {
	if res.InvitedBy != "" {
		return fmt.Sprintf("was invited by <@%s> moments ago, so I did not invite them again", res.InvitedBy)
	}
	return "was already a tester, so I did not invite them again"
}

// accessKept says what became of the access of someone already a tester: changed only when the
// person inviting chose an end themselves (see invite.Request.AccessEnd), else kept as it was.
func accessKept(req invite.Request, res invite.Result, ends map[string]time.Time) string {
	if !res.AccessEnds.IsZero() {
		return "; access now ends " + slackDate(res.AccessEnds)
	}
	var end time.Time
	if res.Tester != nil {
		end = ends[res.Tester.ID]
	}
	switch {
	case !end.IsZero():
		return "; access still ends " + slackDate(end)
	case req.AccessFor > 0:
		return "; their access still does not end"
	}
	return ""
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
