package bot

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/approval"
)

// The request message in the channel, and the deny modal. Pure, and golden-file tested.

// leadsMention calls the QA leads: their user group when there is one, else each lead.
func leadsMention(l *config.QALeads) string {
	if l == nil {
		return ""
	}
	if len(l.Usergroups) > 0 {
		return "<!subteam^" + l.Usergroups[0] + ">"
	}
	var names []string
	for _, u := range l.Users {
		names = append(names, "<@"+u+">")
	}
	return strings.Join(names, " ")
}

// askText is the request's first line: who asks whom, into which app, and where it stands.
func askText(a approval.Ask, leads *config.QALeads) string {
	text := fmt.Sprintf("<@%s> asks to invite %s into *%s*", a.RequesterID, plural(len(a.Emails), "tester", "testers"), esc(a.AppName))
	if a.AccessFor > 0 {
		text += " for " + accessWords(a.AccessFor)
	}
	if len(a.AlsoAskedBy) > 0 {
		also := make([]string, len(a.AlsoAskedBy))
		for i, u := range a.AlsoAskedBy {
			also[i] = "<@" + u + ">"
		}
		text += " (also asked by " + strings.Join(also, ", ") + ")"
	}
	if a.State == approval.Pending {
		return leadsMention(leads) + " " + text + "."
	}
	return text + ": it " + stateWords(a) + "."
}

// askMessageText is the request message's top-level text: all its blocks say (who asks, the
// addresses, why, and what became of it), for screen readers and notifications.
func askMessageText(a approval.Ask, leads *config.QALeads) string {
	return messageText(askBlocks(a, leads))
}

// askBlocks shows the request: who asks, whom, into which app, why, and either the buttons or
// the decision.
func askBlocks(a approval.Ask, leads *config.QALeads) []slack.Block {
	shown := a.Emails
	more := ""
	if len(shown) > askAddressesShown {
		shown, more = shown[:askAddressesShown], fmt.Sprintf(" and %d more", len(a.Emails)-askAddressesShown)
	}
	quoted := make([]string, len(shown))
	for i, e := range shown {
		quoted[i] = "`" + esc(e) + "`"
	}
	blocks := []slack.Block{section(":raised_hand: "+askText(a, leads)+"\n"+strings.Join(quoted, ", ")+more, nil)}
	if a.Reason != "" {
		blocks = append(blocks, slack.NewContextBlock("", mrkdwn("*Why:* "+esc(a.Reason))))
	}
	if a.State != approval.Pending {
		return blocks
	}
	approve := slack.NewButtonBlockElement(actionAskApprove, a.ID, plain("Approve")).WithStyle(slack.StylePrimary)
	deny := slack.NewButtonBlockElement(actionAskDeny, a.ID, plain("Deny")).WithStyle(slack.StyleDanger)
	return append(blocks,
		slack.NewActionBlock("ask_"+a.ID, approve, deny),
		slack.NewContextBlock("", mrkdwn("Only a QA lead's click counts. The request expires "+slackDate(a.ExpiresAt)+".")))
}

// alreadyTestersText tells the leads which addresses of a request are testers already: approving
// them changes nothing of their access.
func alreadyTestersText(testers []string) string {
	if len(testers) == 0 {
		return ""
	}
	return " Already testers, whose access an approval leaves as it is: " + quoteList(testers, askAddressesShown) + "."
}

// withAlreadyTesters adds that note under the request's addresses.
func withAlreadyTesters(blocks []slack.Block, testers []string) []slack.Block {
	if len(testers) == 0 {
		return blocks
	}
	note := slack.NewContextBlock("", mrkdwn(":information_source:"+alreadyTestersText(testers)))
	return append(blocks[:1], append([]slack.Block{note}, blocks[1:]...)...)
}

// stateWords says what became of a request that is no longer pending.
func stateWords(a approval.Ask) string {
	switch a.State {
	case approval.Approved:
		return fmt.Sprintf("was approved by <@%s> %s", a.DecidedBy, slackDate(a.DecidedAt))
	case approval.Denied:
		if a.DecidedBy == "" {
			return "was withdrawn: " + esc(a.DenyReason)
		}
		words := fmt.Sprintf("was denied by <@%s> %s", a.DecidedBy, slackDate(a.DecidedAt))
		if a.DenyReason != "" {
			words += " (" + esc(a.DenyReason) + ")"
		}
		return words
	case approval.Expired:
		return "expired: no QA lead decided in time"
	}
	return "is waiting for a QA lead"
}

// denyModalView asks for an optional reason; the request's id travels in its metadata.
func denyModalView(askID string) slack.ModalViewRequest {
	reason := slack.NewPlainTextInputBlockElement(plain("It helps them ask better next time"), blockDenyReason)
	reason.Multiline, reason.MaxLength = true, maxReason
	in := slack.NewInputBlock(blockDenyReason, plain("Reason (shown to the person who asked)"), nil, reason)
	in.Optional = true
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: callbackDenyModal, Title: title("Deny the request"),
		Submit: title("Deny"), Close: title("Cancel"), PrivateMetadata: askID,
		Blocks: slack.Blocks{BlockSet: []slack.Block{in}},
	}
}

// accessWords says how long access lasts, as people say it.
func accessWords(d time.Duration) string {
	h := d.Hours()
	switch {
	case h >= 24 && int(h)%24 == 0:
		return plural(int(h)/24, "day", "days")
	case h >= 1 && h == float64(int(h)):
		return plural(int(h), "hour", "hours")
	}
	return plural(int(h*60+0.5), "minute", "minutes")
}
