package bot

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// golden compares v's JSON with testdata/golden/name.json; -update rewrites it. A reviewer reads
// the golden files to see exactly what Slack will be sent.
func golden(t *testing.T, name string, v any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep <#C…> and &lt; readable in the golden files
	enc.SetIndent("", "  ")
	require.NoError(t, enc.Encode(v))
	got := buf.Bytes()
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./bot -run %s -update to create it", t.Name())
	assert.JSONEq(t, string(want), string(got))
	assert.Less(t, len(got), 20*1024, "acks of 20 KB or more are refused")
}

var (
	iosApp     = config.App{ID: "64a1b2c3d4e5f6a7b8c9d0e2", Name: "Acme iOS beta"}
	androidApp = config.App{ID: "64a1b2c3d4e5f6a7b8c9d0e3", Name: "Acme Android <beta>"}
	betaIOS    = config.Channel{ID: "C0123ABCD", Store: "64a1b2c3d4e5f6a7b8c9d0e1", Apps: []config.App{iosApp}, Downloads: 3}
	betaBoth   = config.Channel{ID: "C0999WXYZ", Store: "64a1b2c3d4e5f6a7b8c9d0e1", Apps: []config.App{iosApp, androidApp}, Downloads: -1, Domains: []string{"acme.com"}}
	created    = time.Date(2026, 11, 26, 20, 40, 0, 0, time.UTC)
)

func TestInviteModalSingleApp(t *testing.T) {
	golden(t, "invite_modal_single_app", inviteModalView(inviteModal{
		Targets: channelTargets(betaIOS, "#beta-ios"), MaxEmails: 100, FixedTarget: true,
		Meta: modalMeta{Origin: originModal, ResponseURL: "https://hooks.slack.com/commands/T1/1/x"},
	}))
}

func TestInviteModalPrefilledFromMessage(t *testing.T) {
	golden(t, "invite_modal_message_shortcut", inviteModalView(inviteModal{
		Targets: channelTargets(betaBoth, "#beta"), MaxEmails: 100, FixedTarget: true,
		Emails: []string{"alice@acme.com", "bob@acme.com"}, Note: foundNote(2),
		Meta: modalMeta{Origin: originMessageShortcut, ThreadTS: "1700000000.000100"},
	}))
}

func TestInviteModalAnyTarget(t *testing.T) {
	targets := append(channelTargets(betaIOS, "#beta-ios"), channelTargets(betaBoth, "#beta")...)
	golden(t, "invite_modal_global", inviteModalView(inviteModal{
		Targets: targets, MaxEmails: 100, Meta: modalMeta{Origin: originGlobalShortcut},
	}))
}

func TestNoticeModal(t *testing.T) {
	golden(t, "notice_modal", noticeModalView("Invite testers", "Sorry, only QA leads can invite testers. <@U1> can help you."))
}

func TestHomeForLead(t *testing.T) {
	golden(t, "home_lead", homeView(homeData{
		Leads:    &config.QALeads{Users: []string{"U1"}, Usergroups: []string{"S1"}},
		Channels: []config.Channel{betaIOS, betaBoth},
		Recent: []store.Entry{{At: created, UserID: "U1", ChannelID: "C0123ABCD", Email: "alice@example.com",
			AppName: "Acme iOS beta", Outcome: invite.Invited}},
	}))
}

func TestHomeForEveryoneElse(t *testing.T) {
	v := homeView(homeData{Leads: &config.QALeads{Users: []string{"U1", "U2"}}})
	golden(t, "home_non_lead", v)
	raw, _ := json.Marshal(v)
	assert.NotContains(t, string(raw), actionHomeInvite, "no invite button for non-leads")
}

func TestResultMessages(t *testing.T) {
	last := created.Add(time.Hour)
	report := &invite.Report{
		Request: invite.Request{UserID: "U1", ChannelID: "C0123ABCD", StoreID: betaIOS.Store, AppID: iosApp.ID, AppName: iosApp.Name},
		Results: []invite.Result{
			{Email: "alice@example.com", Outcome: invite.Invited, Tester: &applivery.OTPUser{ID: "64a1b2c3d4e5f6a7b8c9d0f1", Email: "alice@example.com", AllowedDownloadsNum: 3, CreatedAt: created}},
			{Email: "bob@example.com", Outcome: invite.AlreadyInvited, Tester: &applivery.OTPUser{ID: "64a1b2c3d4e5f6a7b8c9d0f2", Email: "bob@example.com", AllowedDownloadsNum: -1, LastDownloadAt: &last}},
			{Email: "<!channel>@x.io", Outcome: invite.Refused, Problem: invite.Problem{Kind: invite.BadAddress, Detail: "has no domain"}},
			{Email: "carol@example.com", Outcome: invite.Failed, ErrorCode: 3001, Problem: invite.Problem{Kind: invite.NotFound, Detail: "Entity not found"}},
		},
		DistributionURL: "https://acme.applivery.io/acme-ios",
	}
	golden(t, "results", messagesJSON(threadMessages(report)))
	assert.Equal(t, ":warning: <@U1> invited 4 testers into *Acme iOS beta*: 1 invited, 1 already invited, 1 refused, 1 failed. Details in the thread.", summaryText(report))
}

func TestFindModalWithResults(t *testing.T) {
	targets := channelTargets(betaIOS, "#beta-ios")
	golden(t, "find_modal_results", findModalView(findModal{
		Targets: targets, Selected: targets[0].key(), Filter: "alice", Searched: true,
		Results: &invite.Listing{Total: 3, Testers: []invite.Tester{{App: iosApp,
			User: applivery.OTPUser{ID: "64a1b2c3d4e5f6a7b8c9d0f1", Email: "alice@example.com", AllowedDownloadsNum: 3}}}},
	}))
}

func TestEscapingNeverPings(t *testing.T) {
	assert.Equal(t, "&lt;!channel&gt; &amp; &lt;@U123&gt;", esc("<!channel> & <@U123>"))
	msgs := threadMessages(&invite.Report{
		Request: invite.Request{AppName: "<!here>"},
		Results: []invite.Result{{Email: "<!everyone>", Outcome: invite.Failed, Problem: invite.Problem{Kind: invite.Rejected, Detail: "<@U999> says no"}, ErrorCode: 6002}},
	})
	raw, _ := json.Marshal(messagesJSON(msgs))
	for _, ping := range []string{"<!here>", "<!everyone>", "<@U999>"} {
		assert.NotContains(t, string(raw), ping)
	}
}

// threadMessages are the replies a report ends up as: its results in groups, then the link.
func threadMessages(r *invite.Report) []message {
	var out []message
	for start := 0; start < len(r.Results); start += testersPerMessage {
		out = append(out, groupMessage(r.Request, r.Results[start:min(start+testersPerMessage, len(r.Results))], nil))
	}
	if link, ok := linkMessage(r); ok {
		out = append(out, link)
	}
	return out
}

// messagesJSON shows thread replies as Slack receives them.
func messagesJSON(msgs []message) []map[string]any {
	var out []map[string]any
	for _, m := range msgs {
		out = append(out, map[string]any{"text": m.text, "blocks": m.blocks})
	}
	return out
}

func TestSetupModalChoosingAStore(t *testing.T) {
	stores := []applivery.Store{{ID: betaIOS.Store, CustomDomain: "beta.acme.com"}, {ID: "64a1b2c3d4e5f6a7b8c9d0ff"}}
	golden(t, "setup_modal_new", setupView(setupModal{ChannelID: "C0NEW0001", Stores: stores}))
	golden(t, "setup_modal_linked", setupView(setupModal{
		ChannelID: "C0NEW0001", Stores: stores, Store: betaIOS.Store, App: iosApp.ID, Downloads: "3", Domains: "acme.com",
		Apps: []applivery.PublishedApp{{ID: iosApp.ID, Name: "Acme iOS beta", Slug: "acme-ios"}, {ID: androidApp.ID, Name: "Acme Android", Slug: "acme-android", Visibility: "unlisted"}},
		Link: &config.Channel{ID: "C0NEW0001", Store: betaIOS.Store, Apps: []config.App{{ID: iosApp.ID, Name: "Acme iOS beta"}}, Downloads: 3, Domains: []string{"acme.com"},
			Source: config.FromSlack, LinkedBy: "U1"},
		Changes: []string{"• " + slackDate(created) + " <@U1> linked it to *Acme iOS beta*"},
	}))
}

func TestSetupModalForAStoreWithoutApps(t *testing.T) {
	v := setupView(setupModal{ChannelID: "C0NEW0001", Stores: []applivery.Store{{ID: betaIOS.Store}}, Store: betaIOS.Store})
	raw, _ := json.Marshal(v)
	assert.Contains(t, string(raw), "no published app yet")
	assert.NotContains(t, string(raw), blockSetupApp+`","element"`, "no empty menu, which Slack refuses")
	assert.Contains(t, v.PrivateMetadata, `"n":true`)
}
