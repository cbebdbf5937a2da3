package mapping_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/mapping"
	"github.com/testerbot/testerbot/internal/store"
	"github.com/testerbot/testerbot/internal/store/storetest"
)

const (
	storeID = "64a1b2c3d4e5f6a7b8c9d0e1"
	appID   = "64a1b2c3d4e5f6a7b8c9d0e2"
)

func fileWith(channels ...string) string {
	var b strings.Builder
	b.WriteString("channels:\n")
	for _, ch := range channels {
		b.WriteString("  - {channel: " + ch + ", store: " + storeID + ", apps: [{id: " + appID + ", name: From file}], downloads: 3}\n")
	}
	return b.String()
}

func newLive(t *testing.T, yaml string) (*mapping.Live, string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "channels.yaml")
	require.NoError(t, os.WriteFile(path, []byte(yaml), 0o600))
	live, err := mapping.New(context.Background(), path, storetest.Open(t, storetest.SQLite(t)))
	require.NoError(t, err)
	return live, path
}

func link(channel, app string) config.Channel {
	return config.Channel{ID: channel, Store: storeID, Apps: []config.App{{ID: appID, Name: app}}, Downloads: 1,
		Source: config.FromSlack, LinkedBy: "U0LEAD0001"}
}

func TestTheFileAndTheLinksMakeOneMappingAndTheFileWins(t *testing.T) {
	live, _ := newLive(t, fileWith("C0FILE0001"))
	ctx := context.Background()
	_, err := live.Save(ctx, link("C0FILE0001", "Taken over"))
	assert.ErrorIs(t, err, mapping.ErrManagedByFile, "a channel the file lists cannot be linked from Slack")

	before, err := live.Save(ctx, link("C0SLACK001", "From Slack"))
	require.NoError(t, err)
	assert.Nil(t, before)
	ch, ok := live.Channel("C0SLACK001")
	require.True(t, ok, "a link is used at once")
	assert.Equal(t, "From Slack", ch.Apps[0].Name)
	assert.Equal(t, config.FromSlack, ch.Source)
	assert.Equal(t, "U0LEAD0001", ch.LinkedBy)
	assert.False(t, ch.LinkedAt.IsZero(), "when it was linked, as the database will say")
	all := live.All()
	require.Len(t, all, 2)
	assert.Equal(t, config.FromFile, all[0].Source)
	assert.Equal(t, config.FromSlack, all[1].Source)
	stored, ok, err := live.Lookup(ctx, "C0SLACK001")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, stored, ch, "what this process remembered is what the database keeps")

	before, err = live.Save(ctx, link("C0SLACK001", "Renamed"))
	require.NoError(t, err)
	assert.Equal(t, "From Slack", before.Apps[0].Name, "saving again returns what it replaced")
	changes, err := live.Changes(ctx, "C0SLACK001")
	require.NoError(t, err)
	require.Len(t, changes, 2)
	assert.Equal(t, "changed", changes[0].Action)
	assert.Equal(t, "Renamed", changes[0].After.Apps[0].Name)
	assert.Equal(t, "From Slack", changes[0].Before.Apps[0].Name)

	_, err = live.Remove(ctx, "C0SLACK001", "U0LEAD0001")
	require.NoError(t, err)
	_, ok = live.Channel("C0SLACK001")
	assert.False(t, ok)
}

func TestAnotherProcessSeesALinkThroughLookupAtOnce(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "channels.yaml")
	require.NoError(t, os.WriteFile(path, []byte(fileWith("C0FILE0001")), 0o600))
	open := func() *mapping.Live {
		live, err := mapping.New(context.Background(), path, storetest.Open(t, store.Config{SQLitePath: filepath.Join(dir, "bot.db")}))
		require.NoError(t, err)
		return live
	}
	one, two := open(), open()
	_, err := one.Save(context.Background(), link("C0SLACK001", "From Slack"))
	require.NoError(t, err)
	_, ok := two.Channel("C0SLACK001")
	assert.False(t, ok, "not read yet")
	ch, ok, err := two.Lookup(context.Background(), "C0SLACK001")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "From Slack", ch.Apps[0].Name)
}

func TestABrokenFileIsRefusedWholeAndTheOldMappingStays(t *testing.T) {
	live, path := newLive(t, fileWith("C0FILE0001"))
	log := slog.New(slog.DiscardHandler)
	assert.False(t, live.Reload(log, false), "unchanged: nothing to do")

	require.NoError(t, os.WriteFile(path, []byte(fileWith("C0FILE0001", "C0FILE0002")+"    dowloads: 1\n"), 0o600))
	assert.False(t, live.Reload(log, false))
	_, ok := live.Channel("C0FILE0002")
	assert.False(t, ok, "nothing of the broken file is used")
	_, ok = live.Channel("C0FILE0001")
	assert.True(t, ok, "the old mapping stays")

	require.NoError(t, os.WriteFile(path, []byte("qa_leads: {users: [U0LEAD0001]}\n"+fileWith("C0FILE0002")), 0o600))
	assert.True(t, live.Reload(log, false))
	_, ok = live.Channel("C0FILE0001")
	assert.False(t, ok)
	_, ok = live.Channel("C0FILE0002")
	assert.True(t, ok)
	assert.Equal(t, []string{"U0LEAD0001"}, live.Leads().Users, "the QA leads follow the file")
}
