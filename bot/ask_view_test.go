package bot

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/approval"
	"github.com/testerbot/testerbot/internal/invite"
)

// pendingAsk is Olga's request for two testers, with a reason that needs escaping.
func pendingAsk() approval.Ask {
	return approval.Ask{
		ID: "a0123456789abcdef", RequesterID: "U0OLGA", ChannelID: "C0123ABCD", StoreID: betaIOS.Store,
		AppID: iosApp.ID, AppName: "Acme <iOS> beta", Emails: []string{"alice@example.com", "bob@example.com"},
		Downloads: 3, AccessFor: 14 * 24 * time.Hour, Reason: "release <candidate> & friends",
		State: approval.Pending, CreatedAt: created, ExpiresAt: created.Add(7 * 24 * time.Hour),
	}
}

func TestAskMessageMentionsTheLeadsGroupAndOffersTheButtons(t *testing.T) {
	leads := &config.QALeads{Users: []string{"U0ANA"}, Usergroups: []string{"S0QALEADS"}}
	a := pendingAsk()
	assert.Equal(t, "<!subteam^S0QALEADS> <@U0OLGA> asks to invite 2 testers into *Acme &lt;iOS&gt; beta* for 14 days.", askText(a, leads))
	golden(t, "ask_pending", askBlocks(a, leads))
}

func TestAskMessageMentionsEachLeadWithoutAGroup(t *testing.T) {
	a := pendingAsk()
	a.AccessFor = 0
	assert.Equal(t, "<@U0ANA> <@U0BEN> <@U0OLGA> asks to invite 2 testers into *Acme &lt;iOS&gt; beta*.",
		askText(a, &config.QALeads{Users: []string{"U0ANA", "U0BEN"}}))
}

func TestADecidedAskShowsTheDecisionAndNoButtons(t *testing.T) {
	a := pendingAsk()
	a.State, a.DecidedBy, a.DecidedAt, a.DenyReason = approval.Denied, "U0ANA", created.Add(time.Hour), "not this <sprint>"
	golden(t, "ask_denied", askBlocks(a, nil))
	for state, want := range map[approval.State]string{
		approval.Approved: "<@U0OLGA> asks to invite 2 testers into *Acme &lt;iOS&gt; beta* for 14 days: it was approved by <@U0ANA> <!date^1795729200^{date_short_pretty} {time}|2026-11-26 21:40 UTC>.",
		approval.Expired:  "<@U0OLGA> asks to invite 2 testers into *Acme &lt;iOS&gt; beta* for 14 days: it expired: no QA lead decided in time.",
	} {
		a.State = state
		assert.Equal(t, want, askText(a, nil), state)
	}
}

func TestDenyModal(t *testing.T) {
	golden(t, "ask_deny_modal", denyModalView("a0123456789abcdef"))
}

func TestAccessWords(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Minute:          "1 minute",
		90 * time.Minute:     "90 minutes",
		12 * time.Hour:       "12 hours",
		24 * time.Hour:       "1 day",
		36 * time.Hour:       "36 hours",
		365 * 24 * time.Hour: "365 days",
	} {
		assert.Equal(t, want, accessWords(d), d)
	}
}

func TestTesterWelcomeNamesTheAppTheLinkAndWhoInvited(t *testing.T) {
	req := invite.Request{UserID: "U0ANA", AppName: "Acme <iOS> beta"}
	res := invite.Result{Email: "alice@example.com"}
	assert.Equal(t, ":wave: <@U0ANA> invited you (alice@example.com) to test *Acme &lt;iOS&gt; beta*.\n"+
		"Applivery is sending that address an email with a one-time password: open <https://acme.applivery.io/ios>, "+
		"sign in with your address and that password, and install the app. Can't find the email? Look in spam for a message from Applivery.",
		testerWelcome(req, res, "https://acme.applivery.io/ios"))

	req.RequestedBy = "U0OLGA"
	res.AccessEnds = created
	text := testerWelcome(req, res, "")
	assert.Contains(t, text, "<@U0ANA> (approving <@U0OLGA>'s request) invited you")
	assert.Contains(t, text, "find the app in your Applivery store after signing in")
	assert.Contains(t, text, "Your access ends <!date^1795725600^")
}
