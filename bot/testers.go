package bot

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/invite"
)

// Telling the tester: an invited address that belongs to a member of the workspace gets a
// direct message naming the app, its download link and who invited them, and explaining the
// one-time-password email Applivery sends. A channel's notify_testers: false turns it off. A
// message that cannot be sent is logged and never fails the invite.

// tellTesters sends each newly invited member of the workspace among results a direct message.
func (t *resultsThread) tellTesters(ctx context.Context, r invite.Report, results []invite.Result) {
	ch, ok := t.b.d.Mappings.Channel(r.Request.ChannelID)
	if !ok || !ch.NotifyTesters {
		return
	}
	link := ""
	for _, res := range results {
		if res.Outcome != invite.Invited {
			continue
		}
		user, err := t.b.d.Slack.GetUserByEmailContext(ctx, res.Email)
		if err != nil || user.IsBot || user.Deleted {
			if code := slackErrorCode(err); err != nil && code != "users_not_found" {
				t.b.log.Warn("could not look a tester up in Slack", "request_id", r.Request.ID, "error", code)
			}
			continue
		}
		if link == "" {
			link = t.b.downloadLink(ctx, r.Request.StoreID, r.Request.AppID)
		}
		text := testerWelcome(r.Request, res, link)
		if _, err := t.b.slack.post(ctx, user.ID, slack.MsgOptionText(text, false)); err != nil {
			t.b.log.Warn("could not tell a tester they were invited", "request_id", r.Request.ID, "user", user.ID, "error", slackErrorCode(err))
		}
	}
}

// downloadLink is where testers download the app, "" when Applivery has no link for it or
// could not say.
func (b *Bot) downloadLink(ctx context.Context, storeID, appID string) string {
	if b.d.Catalog == nil {
		return ""
	}
	apps, err := b.publishedApps(ctx, storeID)
	if err != nil {
		return ""
	}
	for _, a := range apps {
		if a.ID == appID {
			return a.DistributionURL
		}
	}
	return ""
}

// testerWelcome is the direct message to a newly invited tester. It is pure, and tested.
func testerWelcome(req invite.Request, res invite.Result, link string) string {
	by := fmt.Sprintf("<@%s>", req.UserID)
	if req.RequestedBy != "" {
		by = fmt.Sprintf("<@%s> (approving <@%s>'s request)", req.UserID, req.RequestedBy)
	}
	where := "find the app in your Applivery store after signing in"
	if link != "" {
		where = "open " + slackLink(link) + ", sign in with your address and that password, and install the app"
	}
	text := fmt.Sprintf(":wave: %s invited you (%s) to test *%s*.\n"+
		"Applivery is sending that address an email with a one-time password: %s. "+
		"Can't find the email? Look in spam for a message from Applivery.", by, esc(res.Email), esc(req.AppName), where)
	if !res.AccessEnds.IsZero() {
		text += "\nYour access ends " + slackDate(res.AccessEnds) + "."
	}
	return text
}
