package bot

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/invite"
)

// Real-world-sized data: Slack refuses a whole message or view when one field is over its limit,
// so every view must stay within Slack's limits whatever the data.
var (
	longApp   = strings.Repeat("Ω", 55) + " beta" // 60 characters
	longEmail = strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 58) + ".io"
)

func TestTheLongestAddressIs254Characters(t *testing.T) {
	assert.Equal(t, 254, len(longEmail))
}

func TestCutMrkdwnNeverSplitsAnEntity(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"abc &amp; def", 7, "abc …"},
		{"abc &amp; def", 10, "abc &amp;…"},
		{"hi <@U0123456789> there", 10, "hi …"},
		{"<!date^1700000000^{date_short_pretty}|2023-11-14> ok", 20, "…"},
		{"ΩΩΩΩΩ", 3, "ΩΩ…"},
	} {
		got := cutMrkdwn(tc.in, tc.max)
		assert.Equal(t, tc.want, got, tc.in)
		assert.LessOrEqual(t, utf8.RuneCountInString(got), tc.max)
	}
}

func TestRevokeConfirmFitsSlacksLimitForAnyAddressAndApp(t *testing.T) {
	for _, tc := range []struct{ email, app string }{
		{"alice@example.com", "Acme iOS beta"},
		{longEmail, longApp},
		{strings.Repeat("&", 64) + "@x.io", strings.Repeat("<", 60)}, // every character escapes to 4-5
	} {
		btn := revokeButton(revokeTarget{Email: tc.email, AppName: tc.app})
		text := btn.Confirm.Text.Text
		assert.LessOrEqual(t, utf8.RuneCountInString(text), maxConfirmText, text)
		assert.Contains(t, text, "will lose access to")
		assert.LessOrEqual(t, len(btn.Value), 2000, "a button's value")
	}
	assert.Equal(t, "*alice@example.com* will lose access to *Acme iOS beta* in Applivery.", revokeConfirmText("alice@example.com", "Acme iOS beta"),
		"short ones are shown whole")
}

func TestResultsStayWithinMessageLimits(t *testing.T) {
	var results []invite.Result
	for i := range 45 {
		email := fmt.Sprintf("%03d%s", i, longEmail[3:])
		results = append(results, invite.Result{Email: email, Outcome: invite.Invited,
			Tester: &applivery.OTPUser{ID: "64a1b2c3d4e5f6a7b8c9d0f1", Email: email}})
	}
	report := &invite.Report{Request: invite.Request{UserID: "U1", AppName: longApp}, Results: results,
		DistributionURL: "https://x.applivery.io/" + strings.Repeat("p", 200)}
	for _, msg := range threadMessages(report) {
		assert.LessOrEqual(t, len(msg.blocks), 50, "blocks in a message")
		assert.LessOrEqual(t, utf8.RuneCountInString(msg.text), maxMessageText)
		for _, block := range msg.blocks {
			s := block.(*slack.SectionBlock)
			assert.LessOrEqual(t, utf8.RuneCountInString(s.Text.Text), maxMrkdwn)
		}
	}
}

// manyTargets builds n targets over n/2 channels with long names.
func manyTargets(n int) []target {
	var out []target
	for i := 0; len(out) < n; i++ {
		ch := config.Channel{ID: fmt.Sprintf("C%09d", i), Store: "64a1b2c3d4e5f6a7b8c9d0e1", Downloads: 3, Apps: []config.App{
			{ID: fmt.Sprintf("64a1b2c3d4e5f6a7b8c9%04x", 2*i), Name: longApp},
			{ID: fmt.Sprintf("64a1b2c3d4e5f6a7b8c9%04x", 2*i+1), Name: longApp + " 2"},
		}}
		out = append(out, channelTargets(ch, fmt.Sprintf("#team-%03d-%s", i, strings.Repeat("n", 60)))...)
	}
	return out[:n]
}

func TestPastAHundredTargetsTheSelectBecomesTypeAhead(t *testing.T) {
	sel := targetSelect(manyTargets(100), "", false).Element.(*slack.SelectBlockElement)
	assert.Equal(t, slack.OptTypeStatic, sel.Type)
	assert.Len(t, sel.Options, 100)

	sel = targetSelect(manyTargets(120), "", false).Element.(*slack.SelectBlockElement)
	assert.Equal(t, slack.OptTypeExternal, sel.Type)
	assert.Empty(t, sel.Options, "the options come from type-ahead")
	require.NotNil(t, sel.MinQueryLength)
	assert.Zero(t, *sel.MinQueryLength, "matches show as soon as the menu opens")
}

func TestTypeAheadReachesTheHundredAndTwentiethTarget(t *testing.T) {
	targets := manyTargets(120)
	last := targets[119]
	options := matchingOptions(targets, "")
	assert.Len(t, options, 100, "Slack takes at most 100 options")

	options = matchingOptions(targets, "TEAM-059")
	require.Len(t, options, 2, "both apps of that channel")
	assert.Equal(t, last.key(), options[1].Value)
	options = matchingOptions(targets, longApp+" 2")
	assert.Len(t, options, 60, "found by app name too, even where the label is cut")

	raw, err := json.Marshal(slack.OptionsResponse{Options: matchingOptions(targets, "")})
	require.NoError(t, err)
	assert.Less(t, len(raw), 20*1024, "the answer is an ack, which must stay under 20 KB")
	for _, o := range matchingOptions(targets, "") {
		assert.LessOrEqual(t, utf8.RuneCountInString(o.Text.Text), maxOption)
	}
}

func TestModalsStayWithinLimitsWithRealWorldSizedData(t *testing.T) {
	targets := manyTargets(100)
	invite := inviteModalView(inviteModal{Targets: targets, MaxEmails: 1000,
		Meta: modalMeta{ResponseURL: "https://hooks.slack.com/commands/T0000000/1234567890123/" + strings.Repeat("x", 24)}})
	find := findModalView(findModal{Targets: targets, Selected: targets[99].key(), Filter: strings.Repeat("f", maxFilter), Searched: true})
	for name, v := range map[string]slack.ModalViewRequest{"invite": invite, "find": find} {
		assert.LessOrEqual(t, len(v.PrivateMetadata), 3000, name)
	}
	searching, err := json.Marshal(searchingView(targets[99], strings.Repeat("f", maxFilter)))
	require.NoError(t, err)
	assert.Less(t, len(searching), 20*1024, "a search's ack must stay under 20 KB")
	emails := invite.Blocks.BlockSet[1].(*slack.InputBlock).Element.(*slack.PlainTextInputBlockElement)
	assert.Equal(t, 3000, emails.MaxLength, "sized for many long addresses, within Slack's limit")
}

func TestEmailInputIsSizedForTheAllowedAddresses(t *testing.T) {
	assert.Equal(t, 255, emailsMaxLength(1))
	assert.Equal(t, 2550, emailsMaxLength(10))
	assert.Equal(t, 3000, emailsMaxLength(100))
}

func TestAPrefillThatDoesNotFitIsRefusedNotCut(t *testing.T) {
	fits := []string{"alice@example.com", "bob@example.com"}
	assert.Empty(t, prefillProblem(fits, 100))

	var many []string
	for i := range 15 {
		many = append(many, fmt.Sprintf("%02d%s", i, longEmail[2:]))
	}
	assert.Contains(t, prefillProblem(many, 100), "more than the invite form holds (3000)")
	assert.Contains(t, prefillProblem(fits, 1), "at most 1")
}
