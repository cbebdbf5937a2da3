package store_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/store"
	"github.com/testerbot/testerbot/internal/store/storetest"
)

// slackLink is a channel linked from Slack with every field set.
func slackLink(channel string, notify bool) config.Channel {
	return config.Channel{ID: channel, Store: "store-1", Apps: []config.App{{ID: "app-42", Name: "Acme iOS"}},
		Downloads: 3, Domains: []string{"example.com", "partner.io"}, NotifyTesters: notify,
		Source: config.FromSlack, LinkedBy: "U0LEAD", LinkedAt: t0}
}

// A link made in Slack comes back from the database as it was saved: whether invited workspace
// members get a DM, its domains and who linked it, in the links table and in its audit.
func TestALinkKeepsEveryFieldThroughTheDatabase(t *testing.T) {
	t.Parallel()
	// Every field set, so that one added to config.Channel and not stored fails here.
	full := reflect.ValueOf(slackLink("C0ON", true))
	for i := range full.NumField() {
		require.False(t, full.Field(i).IsZero(), "slackLink sets config.Channel.%s", full.Type().Field(i).Name)
	}
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		on, off := slackLink("C0ON", true), slackLink("C0OFF", false)
		for _, l := range []config.Channel{on, off} {
			_, err := s.SaveLink(ctx, l)
			require.NoError(t, err)
		}
		got, err := s.Links(ctx)
		require.NoError(t, err)
		require.Equal(t, []config.Channel{off, on}, got)

		changed := slackLink("C0OFF", true)
		changed.Domains, changed.LinkedBy = nil, "U0OTHER"
		before, err := s.SaveLink(ctx, changed)
		require.NoError(t, err)
		require.Equal(t, &off, before)
		one, err := s.Link(ctx, "C0OFF")
		require.NoError(t, err)
		require.Equal(t, &changed, one)
		changes, err := s.LinkChanges(ctx, "C0OFF")
		require.NoError(t, err)
		require.Len(t, changes, 2)
		require.Equal(t, &off, changes[0].Before)
		require.Equal(t, &changed, changes[0].After)

		removed, err := s.RemoveLink(ctx, "C0OFF", "U0LEAD")
		require.NoError(t, err)
		require.Equal(t, &changed, removed)
		changes, err = s.LinkChanges(ctx, "C0OFF")
		require.NoError(t, err)
		require.Len(t, changes, 3)
		require.Equal(t, "unlinked", changes[0].Action)
		require.Equal(t, &changed, changes[0].Before)
		require.Nil(t, changes[0].After)
	})
}

// The links table has room for one app.
func TestALinkHasOneApp(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		two := slackLink("C0TWO", true)
		two.Apps = append(two.Apps, config.App{ID: "app-43", Name: "Acme Android"})
		_, err := s.SaveLink(context.Background(), two)
		require.Error(t, err)
		got, err := s.Links(context.Background())
		require.NoError(t, err)
		require.Empty(t, got)
	})
}
