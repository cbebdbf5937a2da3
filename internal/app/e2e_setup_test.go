package app_test

// End-to-end tests of setting a channel up from Slack (issue 10): /invite-tester setup, driven
// the way a person drives it; links that every replica and a restart see; the mapping file
// reloaded without a restart.

import (
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery/appliverytest"
	"github.com/testerbot/testerbot/internal/pgtest"
	"github.com/testerbot/testerbot/internal/slackfake"
)

const newChan = "C0NEWCHAN1" // a channel the mapping file does not list

// setupHarness has QA leads, a second store with many publications, and a new channel the
// bot is a member of.
func setupHarness(t *testing.T, opts ...harnessOption) (*harness, string) {
	t.Helper()
	h := newHarness(t, append([]harnessOption{withMapping(leadsMapping)}, opts...)...)
	big := appliverytest.NewID()
	h.applivery.AddStore(big, "Big store")
	h.applivery.SeedPublishedApps(big, 120)
	h.slack.AddChannel(newChan, "new-beta")
	return h, big
}

// openSetup types /invite-tester setup in channel as user and returns the filled modal.
func (h *harness) openSetup(user, channel string) slackfake.View {
	h.t.Helper()
	opened := map[string]bool{}
	for _, v := range h.slack.OpenedViews() {
		opened[v.ID] = true
	}
	h.command(user, channel, "setup")
	v, err := h.slack.WaitModal(h.ctx(), user, func(v slackfake.View) bool {
		return !opened[v.ID] && !strings.Contains(string(v.JSON), "One moment")
	})
	require.NoError(h.t, err, "logs:\n%s", h.logs)
	return v
}

// chooseStore picks a store in the setup modal and waits for its apps.
func (h *harness) chooseStore(view slackfake.View, user, storeID, wantApp string) slackfake.View {
	h.t.Helper()
	require.NotEmpty(h.t, h.slack.SelectOption(view.ID, user, "setup_store", storeID))
	v, err := h.slack.WaitModal(h.ctx(), user, func(v slackfake.View) bool {
		return v.ID == view.ID && strings.Contains(string(v.JSON), wantApp)
	})
	require.NoError(h.t, err, "the apps never followed the store; logs:\n%s", h.logs)
	return v
}

func setupValues(storeID, appID, downloads, domains string) map[string]map[string]slack.BlockAction {
	return map[string]map[string]slack.BlockAction{
		"setup_store":   {"setup_store": {SelectedOption: slack.OptionBlockObject{Value: storeID}}},
		"setup_app":     {"setup_app": {SelectedOption: slack.OptionBlockObject{Value: appID}}},
		"downloads":     {"downloads": {Value: downloads}},
		"setup_domains": {"setup_domains": {Value: domains}},
	}
}

func (h *harness) waitChannelMessage(channel, want string) slackfake.Message {
	h.t.Helper()
	m, err := h.slack.WaitMessage(h.ctx(), channel, func(m slackfake.Message) bool { return strings.Contains(m.Text, want) })
	require.NoError(h.t, err, "no message %q in %s; logs:\n%s", want, channel, h.logs)
	return m
}

func TestALeadLinksAChannelFromSlackAndItIsUsedAtOnce(t *testing.T) {
	t.Parallel()
	h, _ := setupHarness(t)
	h.start()
	view := h.openSetup(lead, newChan)
	assert.Contains(t, readable(view.JSON), "beta.acme.com", "stores are named by their custom domain")
	assert.Contains(t, readable(view.JSON), "Choose a store to see its apps")

	view = h.chooseStore(view, lead, store, "Acme Android beta")
	h.slack.SubmitView(view.ID, lead, setupValues(store, androidApp, "2", "acme.com, partner.io"))
	h.waitChannelMessage(newChan, "<@"+lead+"> linked this channel to *Acme Android beta*")

	h.command(lead, newChan, "dev@acme.com")
	summary := h.waitSummary(newChan)
	assert.Contains(t, summary.Text, "into *Acme Android beta*")
	users := h.applivery.OTPUsers(store)
	require.Len(t, users, 1)
	assert.Equal(t, androidApp, users[0].PublishedApplicationID)
	assert.Equal(t, 2, users[0].AllowedDownloadsNum)

	_, ack := h.command(lead, newChan, "eve@evil.io")
	assert.Contains(t, ackText(ack), "acme.com, partner.io", "the link's domains apply")

	h.slack.Event(map[string]any{"type": "app_home_opened", "user": lead, "channel": "D0LEAD", "tab": "home"})
	home := readable(h.waitHome(lead).JSON)
	assert.Contains(t, home, "<#"+newChan+">")
	assert.Contains(t, home, "Linked from Slack by <@"+lead+">")
}

func TestALinkCanBeChangedAndRemovedAndEveryChangeIsAudited(t *testing.T) {
	t.Parallel()
	h, _ := setupHarness(t)
	h.start()
	view := h.chooseStore(h.openSetup(lead, newChan), lead, store, "Acme iOS beta")
	h.slack.SubmitView(view.ID, lead, setupValues(store, iosApp, "3", ""))
	h.waitChannelMessage(newChan, "linked this channel to *Acme iOS beta*")

	view = h.openSetup(lead, newChan)
	json := readable(view.JSON)
	assert.Contains(t, json, `"initial_value":"3"`, "the form shows the link as it is")
	assert.Contains(t, json, "Remove the link")
	assert.Contains(t, json, "linked it to *Acme iOS beta*", "with its changes")
	h.slack.SubmitView(view.ID, lead, setupValues(store, iosApp, "-1", ""))
	h.waitChannelMessage(newChan, "changed this channel's link to *Acme iOS beta*. New testers get unlimited downloads")

	view = h.openSetup(lead, newChan)
	assert.Contains(t, readable(view.JSON), "changed it to *Acme iOS beta*, unlimited downloads")
	h.slack.ClickButton(lead, "setup_remove", "", slackfake.InView(view.ID))
	h.waitChannelMessage(newChan, "removed this channel's link to *Acme iOS beta*")

	h.command(lead, newChan, "dev@example.com")
	h.waitResponse("not linked to an Applivery store")
	assert.Empty(t, h.applivery.OTPUsers(store))
}

func TestTheAppMenuTypesAheadWhenAStoreHasManyApps(t *testing.T) {
	t.Parallel()
	h, big := setupHarness(t)
	h.start()
	view := h.chooseStore(h.openSetup(lead, newChan), lead, big, `"external_select"`)
	id := h.slack.Suggest(view.ID, lead, "setup_app", "App 120")
	options, err := h.slack.WaitSuggestedOptions(h.ctx(), id)
	require.NoError(t, err)
	require.Len(t, options, 1)
	h.slack.SubmitView(view.ID, lead, setupValues(big, options[0].Value, "1", ""))
	h.waitChannelMessage(newChan, "linked this channel to *App 120*")
}

func TestSetupIsForQALeadsAndNeverOpenToEveryone(t *testing.T) {
	t.Parallel()
	t.Run("without qa_leads", func(t *testing.T) {
		h := newHarness(t).start()
		_, ack := h.command(lead, iosChan, "setup")
		assert.Contains(t, ackText(ack), "Add a `qa_leads` block to the mapping file")
	})
	t.Run("not a lead", func(t *testing.T) {
		h, _ := setupHarness(t)
		h.start()
		h.slack.AddUsergroup("S0QALEADS1")
		view := h.openSetup(stranger, newChan)
		assert.Contains(t, readable(view.JSON), "Only QA leads can link channels")
		assert.NotContains(t, string(view.JSON), `"submit"`)
	})
	t.Run("a channel the file manages", func(t *testing.T) {
		h, _ := setupHarness(t)
		h.start()
		view := h.openSetup(lead, iosChan)
		assert.Contains(t, readable(view.JSON), "which manages it: change it there")
		assert.NotContains(t, string(view.JSON), `"submit"`, "read-only")
	})
}

func TestLinksSurviveARestartAndReachEveryReplicaAtOnce(t *testing.T) {
	t.Parallel()
	db := withEnv("DATABASE_URL", pgtest.NewDatabase(t))
	h, _ := setupHarness(t, db)
	h.start()
	replica := h.startReplica(1)
	view := h.chooseStore(h.openSetup(lead, newChan), lead, store, "Acme iOS beta")
	h.slack.SubmitView(view.ID, lead, setupValues(store, iosApp, "4", ""))
	h.waitChannelMessage(newChan, "linked this channel to")

	// The next commands go to both replicas in turn: each finds the link at once.
	for _, email := range []string{"one@example.com", "two@example.com"} {
		h.command(lead, newChan, email)
	}
	h.summedUp(newChan, 2)
	require.Equal(t, 0, h.shutdown())
	require.Equal(t, 0, replica.shutdown(), "every process stops: the restart below has its own Slack")

	h2, _ := setupHarness(t, db, onSlackOf(h))
	h2.start()
	h2.command(lead, newChan, "three@example.com")
	summaries := h2.summedUp(newChan, 3) // the two before the restart, and this one
	assert.Contains(t, summaries[2], "into *Acme iOS beta*", "the link is still there")
}

func TestTheMappingFileReloadsWithoutARestartAndABrokenOneIsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	path := h.env["CHANNELS_FILE"]
	h.slack.AddChannel("C0ADDED001", "added")
	h.slack.SetChannelMembers("C0ADDED001", lead)
	added := baseMapping + `  - channel: C0ADDED001
    store: 64a1b2c3d4e5f6a7b8c9d0e1
    apps: [{id: 64a1b2c3d4e5f6a7b8c9d0e2, name: Added app}]
    downloads: 1
`
	require.NoError(t, os.WriteFile(path, []byte(added), 0o600))
	h.waitUntilLogged(`"msg":"mapping file reloaded"`, 10*time.Second)
	h.command(lead, "C0ADDED001", "new@example.com")
	assert.Contains(t, h.waitSummary("C0ADDED001").Text, "into *Added app*")

	require.NoError(t, os.WriteFile(path, []byte(added+"    dowloads: 2\n"), 0o600))
	h.waitUntilLogged("the new mapping file is invalid", 10*time.Second)
	assert.Contains(t, h.logs.String(), `unknown key \"dowloads\"`, "the problem is logged with its key…")
	assert.Regexp(t, `line \d+: `, h.logs.String(), "…and its line")
	h.command(lead, "C0ADDED001", "again@example.com")
	h.waitSummaries("C0ADDED001", 2) // the old mapping is still in force
	status, _ := h.healthGet("/readyz")
	assert.Equal(t, http.StatusOK, status, "a broken file never makes the bot unready")
}
