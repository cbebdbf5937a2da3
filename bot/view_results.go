package bot

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/invite"
)

// testersPerMessage keeps each thread reply well inside Slack's 50-block limit while grouping
// a bulk invite into a few messages rather than one per email.
const testersPerMessage = 20

// message is one Slack message: blocks plus the plain text used for notifications.
type message struct {
	text   string
	blocks []slack.Block
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
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
		out = append(out, message{text: truncate(strings.Join(lines, "\n"), 3000), blocks: blocks})
	}
	if r.Count(invite.Invited)+r.Count(invite.AlreadyInvited) > 0 {
		text := linkText(r.Request.AppName, r.DistributionURL)
		out = append(out, message{text: text, blocks: []slack.Block{
			slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil),
		}})
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
		accessory = slack.NewAccessory(revokeButton(req, res.Email, res.User))
	case invite.AlreadyInvited:
		text = fmt.Sprintf(":information_source: *%s* was already a tester, so I did not invite them again\n%s", esc(res.Email), userDetails(req.AppName, res.User, false))
		accessory = slack.NewAccessory(revokeButton(req, res.Email, res.User))
	case invite.Refused:
		text = fmt.Sprintf(":no_entry_sign: *%s* not invited: %s", esc(res.Email), esc(res.Reason))
	default:
		text = fmt.Sprintf(":x: *%s* failed: %s\n%s", esc(res.Email), appliveryError(res), esc(res.Reason))
	}
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, truncate(text, 3000), false, false), nil, accessory)
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

func downloadsText(n int) string {
	if n < 0 {
		return "unlimited downloads"
	}
	return plural(n, "download allowed", "downloads allowed")
}

// slackDate lets Slack show a time in each reader's own time zone, with UTC as the fallback.
func slackDate(t time.Time) string {
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", t.Unix(), t.UTC().Format("2006-01-02 15:04 UTC"))
}

// revokeTarget is what a Revoke button carries: exactly whom to remove from which app.
type revokeTarget struct {
	Store     string `json:"s"`
	App       string `json:"a"`
	AppName   string `json:"n"`
	OTPUserID string `json:"u"`
	Email     string `json:"e"`
	Channel   string `json:"c"`
}

func revokeButton(req invite.Request, email string, u *applivery.OTPUser) *slack.ButtonBlockElement {
	target := revokeTarget{Store: req.StoreID, App: req.AppID, AppName: truncate(req.AppName, 100), Email: email, Channel: req.ChannelID}
	if u != nil {
		target.OTPUserID = u.ID
	}
	value, _ := json.Marshal(target)
	btn := slack.NewButtonBlockElement(actionRevoke, string(value), slack.NewTextBlockObject(slack.PlainTextType, "Revoke", false, false))
	btn.Style = slack.StyleDanger
	btn.Confirm = slack.NewConfirmationBlockObject(
		slack.NewTextBlockObject(slack.PlainTextType, "Revoke this tester?", false, false),
		slack.NewTextBlockObject(slack.MarkdownType, fmt.Sprintf("*%s* will lose access to *%s* in Applivery.", esc(target.Email), esc(req.AppName)), false, false),
		slack.NewTextBlockObject(slack.PlainTextType, "Revoke", false, false),
		slack.NewTextBlockObject(slack.PlainTextType, "Cancel", false, false))
	btn.Confirm.Style = slack.StyleDanger
	return btn
}
