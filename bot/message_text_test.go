package bot

import (
	"fmt"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/assert"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/approval"
	"github.com/testerbot/testerbot/internal/invite"
)

// Screen readers and notifications read only a message's top-level text. For every kind of
// message the bot posts with blocks, the text says what the blocks say, and names in particular
// the tester, the OTP user id, why something failed, and a request's addresses and reason.

// assertTextSaysWhatBlocksSay checks that every text of the blocks is in the message's text, and
// that the text names each of names.
func assertTextSaysWhatBlocksSay(t *testing.T, text string, blocks []slack.Block, names ...string) {
	t.Helper()
	assert.NotEmpty(t, text)
	for _, b := range blocks {
		for _, said := range blockTexts(b) {
			assert.Contains(t, text, said, "the text leaves out what a %s block says", b.BlockType())
		}
	}
	for _, name := range names {
		assert.Contains(t, text, name)
	}
}

// blockTexts lists what one block says, independently of messageText.
func blockTexts(b slack.Block) []string {
	var out []string
	switch b := b.(type) {
	case *slack.SectionBlock:
		out = append(out, b.Text.Text)
		for _, f := range b.Fields {
			out = append(out, f.Text)
		}
	case *slack.ContextBlock:
		for _, el := range b.ContextElements.Elements {
			if t, ok := el.(*slack.TextBlockObject); ok {
				out = append(out, t.Text)
			}
		}
	case *slack.HeaderBlock:
		out = append(out, b.Text.Text)
	case *slack.ActionBlock, *slack.DividerBlock:
	default:
		panic(fmt.Sprintf("a message block this test does not read: %s", b.BlockType()))
	}
	return out
}

func TestEveryMessageTextSaysWhatItsBlocksSay(t *testing.T) {
	req := invite.Request{UserID: "U1", ChannelID: betaIOS.ID, StoreID: betaIOS.Store, AppID: iosApp.ID, AppName: iosApp.Name, AccessFor: 24 * time.Hour}
	ends := map[string]time.Time{"64a1b2c3d4e5f6a7b8c9d0f2": created.Add(48 * time.Hour)}
	for name, tc := range map[string]struct {
		result invite.Result
		names  []string
	}{
		"invited": {invite.Result{Email: "alice@example.com", Outcome: invite.Invited,
			Tester: &applivery.OTPUser{ID: "64a1b2c3d4e5f6a7b8c9d0f1", AllowedDownloadsNum: 3, CreatedAt: created}},
			[]string{"alice@example.com", "64a1b2c3d4e5f6a7b8c9d0f1", "3 downloads"}},
		"invited again, gone from Applivery": {invite.Result{Email: "gone@example.com", Outcome: invite.Invited, WasGone: true,
			Tester: &applivery.OTPUser{ID: "64a1b2c3d4e5f6a7b8c9d0f3", AllowedDownloadsNum: -1}},
			[]string{"gone@example.com", "64a1b2c3d4e5f6a7b8c9d0f3", "no longer had the tester"}},
		"already a tester": {invite.Result{Email: "bob@example.com", Outcome: invite.AlreadyInvited,
			Tester: &applivery.OTPUser{ID: "64a1b2c3d4e5f6a7b8c9d0f2", AllowedDownloadsNum: -1}},
			[]string{"bob@example.com", "64a1b2c3d4e5f6a7b8c9d0f2", "access still ends"}},
		"refused": {invite.Result{Email: "mallory@evil.io", Outcome: invite.Refused, Problem: invite.Problem{Kind: invite.BadAddress, Detail: "has no domain"}},
			[]string{"mallory@evil.io", "has no domain"}},
		"failed": {invite.Result{Email: "carol@example.com", Outcome: invite.Failed, ErrorCode: 6001, Problem: invite.Problem{Kind: invite.Rejected, Detail: "email is invalid"}},
			[]string{"carol@example.com", "Applivery error 6001", "email is invalid"}},
	} {
		t.Run("result: "+name, func(t *testing.T) {
			msg := groupMessage(req, []invite.Result{tc.result}, ends)
			assertTextSaysWhatBlocksSay(t, msg.text, msg.blocks, tc.names...)
		})
	}
	t.Run("a group of results", func(t *testing.T) {
		var results []invite.Result
		for i := range testersPerMessage {
			results = append(results, invite.Result{Email: fmt.Sprintf("t%02d@example.com", i), Outcome: invite.Invited,
				Tester: &applivery.OTPUser{ID: fmt.Sprintf("64a1b2c3d4e5f6a7b8c9d%03d", i)}})
		}
		msg := groupMessage(req, results, nil)
		assertTextSaysWhatBlocksSay(t, msg.text, msg.blocks, "t00@example.com", "t19@example.com", "64a1b2c3d4e5f6a7b8c9d019")
	})
	t.Run("the download link", func(t *testing.T) {
		msg, ok := linkMessage(&invite.Report{Request: req, Results: []invite.Result{{Outcome: invite.Invited}}, DistributionURL: "https://acme.applivery.io/acme-ios"})
		assert.True(t, ok)
		assertTextSaysWhatBlocksSay(t, msg.text, msg.blocks, "https://acme.applivery.io/acme-ios")
	})

	leads := &config.QALeads{Users: []string{"U0ANA"}}
	decided := func(state approval.State, by, reason string) approval.Ask {
		a := pendingAsk()
		a.State, a.DecidedBy, a.DecidedAt, a.DenyReason = state, by, created.Add(time.Hour), reason
		return a
	}
	many := pendingAsk()
	for i := range askAddressesShown + 5 {
		many.Emails = append(many.Emails, fmt.Sprintf("more%02d@example.com", i))
	}
	for name, tc := range map[string]struct {
		ask   approval.Ask
		names []string
	}{
		"a request":           {pendingAsk(), []string{"<@U0OLGA>", "alice@example.com", "bob@example.com", "release &lt;candidate&gt; &amp; friends", "<@U0ANA>"}},
		"a request of many":   {many, []string{"alice@example.com", "more17@example.com", "and 7 more"}},
		"an approved request": {decided(approval.Approved, "U0ANA", ""), []string{"alice@example.com", "approved by <@U0ANA>"}},
		"a denied request":    {decided(approval.Denied, "U0ANA", "not <now>"), []string{"alice@example.com", "denied by <@U0ANA>", "not &lt;now&gt;"}},
		"a withdrawn request": {decided(approval.Denied, "", "the bot could not post the request"), []string{"withdrawn", "could not post"}},
		"an expired request":  {decided(approval.Expired, "", ""), []string{"alice@example.com", "expired"}},
	} {
		t.Run("ask: "+name, func(t *testing.T) {
			assertTextSaysWhatBlocksSay(t, askMessageText(tc.ask, leads), askBlocks(tc.ask, leads), tc.names...)
		})
	}
}
