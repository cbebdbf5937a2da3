package bot

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/invite"
)

// The Revoke button under an invited tester in the results thread (and its twin, Remove, in the
// find modal): Slack asks the person to confirm, then the bot deletes the OTP user.

const actionRevoke = "revoke"

// revokeTarget is what a Revoke button carries: exactly whom to remove from which app.
type revokeTarget struct {
	Store     string `json:"s"`
	App       string `json:"a"`
	AppName   string `json:"n"`
	OTPUserID string `json:"u"`
	Email     string `json:"e"`
	Channel   string `json:"c"`
}

// maxConfirmText is Slack's limit on a confirmation dialog's text.
const maxConfirmText = 300

// revokeButton asks "Revoke this tester?" before acting.
func revokeButton(rt revokeTarget) *slack.ButtonBlockElement {
	rt.AppName = truncate(rt.AppName, 100)
	value, _ := json.Marshal(rt)
	btn := slack.NewButtonBlockElement(actionRevoke, string(value), plain("Revoke"))
	btn.Style = slack.StyleDanger
	btn.Confirm = slack.NewConfirmationBlockObject(plain("Revoke this tester?"), mrkdwn(revokeConfirmText(rt.Email, rt.AppName)),
		plain("Revoke"), plain("Cancel"))
	btn.Confirm.Style = slack.StyleDanger
	return btn
}

// revokeConfirmText names who loses access to what, within Slack's 300 characters whatever the
// address and app name: the address is shortened in its middle, keeping both ends recognisable,
// then the app name. Slack counts the text as sent, entities (&amp;) included.
func revokeConfirmText(email, appName string) string {
	emailMax, appMax := utf8.RuneCountInString(email), 60
	for {
		text := "*" + esc(middleCut(email, emailMax)) + "* will lose access to *" + esc(truncate(appName, appMax)) + "* in Applivery."
		switch {
		case utf8.RuneCountInString(text) <= maxConfirmText:
			return text
		case emailMax > 24:
			emailMax -= 8
		case appMax > 12:
			appMax -= 8
		default:
			return cutMrkdwn(text, maxConfirmText)
		}
	}
}

// middleCut shortens s to at most max characters by replacing its middle with "…".
func middleCut(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	head := (max - 1) / 2
	tail := max - 1 - head
	return string(r[:head]) + "…" + string(r[len(r)-tail:])
}

// revokeFlow answers the Revoke button, and removes the testers the find modal's Remove buttons
// name.
type revokeFlow struct {
	replies
	gate     *gate
	mappings Mappings
	invites  *invite.Service
	posts    *posts
	command  string // the slash command, for the way to remove elsewhere
}

func (r *revokeFlow) routes() []route {
	return []route{onInteraction(slack.InteractionTypeBlockActions, actionRevoke, r.onRevoke)}
}

// onRevoke handles the Revoke button (Slack has already asked the person to confirm). The result
// is posted in the same thread.
func (r *revokeFlow) onRevoke(cb slack.InteractionCallback) reply {
	var rt revokeTarget
	if err := json.Unmarshal([]byte(cb.ActionCallback.BlockActions[0].Value), &rt); err != nil || rt.Email == "" {
		return reply{}
	}
	w := who{userID: cb.User.ID, channelID: cb.Channel.ID, responseURL: cb.ResponseURL}
	thread := cb.Message.ThreadTimestamp
	if thread == "" {
		thread = cb.Container.ThreadTs
	}
	if thread == "" {
		thread = cb.Message.Timestamp
	}
	return reply{after: r.gate.managing(w, cb.Channel.ID, func(ctx context.Context) {
		if !r.stillMapped(cb.Channel.ID, rt) {
			r.tell(ctx, w, "This channel no longer invites into that app, so I can't revoke from here. Use `"+r.command+" remove` in the channel that does.")
			return
		}
		text := r.remove(ctx, w, cb.Channel.ID, originRevokeButton, rt)
		r.posts.say(ctx, w, cb.Channel.ID, thread, text, "")
	})}
}

// stillMapped checks a button's target against today's mapping: buttons outlive restarts.
func (r *revokeFlow) stillMapped(channelID string, rt revokeTarget) bool {
	ch, ok := r.mappings.Channel(channelID)
	if !ok || ch.Store != rt.Store {
		return false
	}
	_, ok = ch.App(rt.App)
	return ok
}

// remove revokes one tester and returns a sentence about it for people. An address outside the
// channel's domains is left alone: a button may predate them.
func (r *revokeFlow) remove(ctx context.Context, w who, channelID string, origin string, rt revokeTarget) string {
	if ch, ok := r.mappings.Channel(channelID); ok && !inDomains(ch, rt.Email) {
		return domainsRefusal(ch, rt.Email)
	}
	res, err := r.invites.Remove(ctx, invite.RemoveRequest{
		ID: rand.Text(), UserID: w.userID, ChannelID: channelID, Origin: origin, StoreID: rt.Store,
		Apps: []config.App{{ID: rt.App, Name: rt.AppName}}, Email: rt.Email, OTPUserID: rt.OTPUserID,
	})
	switch {
	case err != nil:
		return fmt.Sprintf(":x: I couldn't remove *%s*: %s", esc(rt.Email), explainError(err))
	case len(res.Removed) == 0 && rt.OTPUserID != "":
		return fmt.Sprintf(":information_source: Applivery no longer has OTP user %s for *%s* in *%s*: they were removed outside the bot (from its dashboard, or by Applivery itself), so there was nothing to revoke.", code(rt.OTPUserID), esc(rt.Email), esc(rt.AppName))
	case len(res.Removed) == 0:
		return fmt.Sprintf(":information_source: *%s* is not a tester of *%s* (any more), so there was nothing to remove.", esc(rt.Email), esc(rt.AppName))
	default:
		return fmt.Sprintf(":wastebasket: <@%s> removed *%s* (OTP user %s) from *%s*.", w.userID, esc(rt.Email), code(res.Removed[0].User.ID), esc(rt.AppName))
	}
}
