package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/outbox"
)

// Telling the tester: an invited address that belongs to a member of the workspace gets a
// direct message naming the app, its download link and who invited them, and explaining the
// one-time-password email Applivery sends. A channel's notify_testers: false turns it off. A
// message that cannot be sent is logged and never fails the invite.

// tellTesters saves a direct message for each newly invited address, when the request says
// testers are told; it runs with the summary, which knows the app's download link. The outbox
// looks each address up (Tier 3, remembered a day, misses too) and sends the message once, to
// the member it finds; an address that is nobody in the workspace gets none. DMs go last in
// their lane: results come first.
func (t *resultsThread) tellTesters(ctx context.Context, r invite.Report) {
	if !r.Request.NotifyTesters {
		return
	}
	for _, res := range r.Results {
		if res.Outcome != invite.Invited {
			continue
		}
		email := strings.ToLower(res.Email)
		_, _ = t.posts.enqueue(ctx, outbox.Message{Key: dmKey(r.Request.ID, email), ToEmail: email,
			Text: testerWelcome(r.Request, res, r.DistributionURL), Priority: outbox.PriorityLow, Group: r.Request.ID})
	}
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
