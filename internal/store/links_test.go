package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/internal/mapping"
	"github.com/testerbot/testerbot/internal/store"
	"github.com/testerbot/testerbot/internal/store/storetest"
)

// Whether invited workspace members get a DM is kept with the link and in its audit.
func TestALinkKeepsWhetherTestersAreNotified(t *testing.T) {
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		link := func(channel string, notify bool) mapping.Link {
			return mapping.Link{ChannelID: channel, StoreID: "store-1", AppID: "app-42", AppName: "Acme iOS",
				Downloads: 3, Domains: []string{"example.com"}, LinkedBy: "U0LEAD", LinkedAt: t0, NotifyTesters: notify}
		}
		on, off := link("C0ON", true), link("C0OFF", false)
		for _, l := range []mapping.Link{on, off} {
			_, err := s.SaveLink(ctx, l)
			require.NoError(t, err)
		}
		got, err := s.Links(ctx)
		require.NoError(t, err)
		require.Equal(t, []mapping.Link{off, on}, got)

		changed := link("C0OFF", true)
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
	})
}
