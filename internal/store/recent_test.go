package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/internal/store"
	"github.com/testerbot/testerbot/internal/store/storetest"
)

func requestIDs(entries []store.Entry) []string {
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = e.RequestID
	}
	return ids
}

// seed records one entry per (request, user, channel, minute), deliberately
// out of time order so ordering must come from At, not insertion.
func seed(t *testing.T, s *store.Store, rows ...[4]string) {
	t.Helper()
	for i, r := range rows {
		e := sample(r[0])
		e.UserID, e.ChannelID = r[1], r[2]
		var minute int
		_, err := fmt.Sscan(r[3], &minute)
		require.NoError(t, err)
		e.At = at(minute)
		require.NoError(t, s.Record(context.Background(), e), "row %d", i)
	}
}

func TestRecentFiltersAndOrdersNewestFirst(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seed(t, s,
			[4]string{"r3", "U1", "C1", "3"},
			[4]string{"r1", "U1", "C1", "1"},
			[4]string{"r4", "U2", "C1", "4"},
			[4]string{"r2", "U1", "C2", "2"},
			[4]string{"r5", "U2", "C2", "5"},
		)

		cases := map[string]struct {
			q    store.Query
			want []string
		}{
			"no filter":        {store.Query{}, []string{"r5", "r4", "r3", "r2", "r1"}},
			"channel":          {store.Query{ChannelID: "C1"}, []string{"r4", "r3", "r1"}},
			"user":             {store.Query{UserID: "U1"}, []string{"r3", "r2", "r1"}},
			"channel and user": {store.Query{ChannelID: "C2", UserID: "U2"}, []string{"r5"}},
			"no match":         {store.Query{ChannelID: "C9"}, []string{}},
			"limit":            {store.Query{Limit: 2}, []string{"r5", "r4"}},
		}
		for name, tc := range cases {
			t.Run(name, func(t *testing.T) {
				got, err := s.Recent(ctx, tc.q)
				require.NoError(t, err)
				require.Equal(t, tc.want, requestIDs(got))
			})
		}
	})
}

func TestRecentBreaksTimeTiesByInsertionOrder(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		first, second := sample("first"), sample("second")
		require.NoError(t, s.Record(ctx, first, second)) // same At

		got, err := s.Recent(ctx, store.Query{})
		require.NoError(t, err)
		require.Equal(t, []string{"second", "first"}, requestIDs(got))
	})
}

func TestRecentLimitDefaultsAndCap(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		batch := make([]store.Entry, store.MaxLimit+10)
		for i := range batch {
			batch[i] = sample(fmt.Sprint(i))
		}
		require.NoError(t, s.Record(ctx, batch...))

		for limit, want := range map[int]int{0: store.DefaultLimit, -5: store.DefaultLimit, 7: 7, 1000: store.MaxLimit} {
			got, err := s.Recent(ctx, store.Query{Limit: limit})
			require.NoError(t, err)
			require.Len(t, got, want, "limit %d", limit)
		}
	})
}
