package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/internal/store"
	"github.com/testerbot/testerbot/internal/store/storetest"
)

func TestRecordRoundTripsEveryField(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		want := sample("req-1")
		want.At = time.Date(2025, 3, 14, 16, 9, 26, 535897932, time.FixedZone("CET", 3600))

		require.NoError(t, s.Record(ctx, want))
		got, err := s.Recent(ctx, store.Query{})
		require.NoError(t, err)
		require.Len(t, got, 1)

		require.NotZero(t, got[0].ID)
		require.Equal(t, time.UTC, got[0].At.Location(), "At comes back in UTC")
		require.True(t, want.At.Equal(got[0].At), "nanoseconds survive: want %v, got %v", want.At, got[0].At)
		want.ID, want.At = got[0].ID, got[0].At
		require.Equal(t, want, got[0])
	})
}

func TestRecordStampsZeroAtWithOneTimeForTheCall(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		first, second := sample("req-1"), sample("req-1")
		first.At, second.At = time.Time{}, time.Time{}

		before := time.Now()
		require.NoError(t, s.Record(ctx, first, second))
		after := time.Now()

		got, err := s.Recent(ctx, store.Query{})
		require.NoError(t, err)
		require.Len(t, got, 2)
		require.Equal(t, got[0].At, got[1].At)
		require.Equal(t, time.UTC, got[0].At.Location())
		require.WithinRange(t, got[0].At, before, after)
	})
}

func TestRecordRejectsUndeclaredValuesAndStoresNothing(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		badOutcome, noOrigin := sample("req-1"), sample("req-1")
		badOutcome.Outcome = "maybe"
		noOrigin.Origin = ""

		for _, bad := range []store.Entry{badOutcome, noOrigin} {
			err := s.Record(ctx, sample("req-1"), bad)
			require.ErrorIs(t, err, store.ErrInvalidEntry)
		}
		got, err := s.Recent(ctx, store.Query{})
		require.NoError(t, err)
		require.Empty(t, got, "a rejected batch leaves no partial rows")
	})
}

func TestRecordNothingIsANoOp(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		require.NoError(t, s.Record(context.Background()))
	})
}

func TestRecordCapsDetailLength(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := sample("req-1")
		e.Detail = strings.Repeat("é", 2000)

		require.NoError(t, s.Record(ctx, e))
		got, err := s.Recent(ctx, store.Query{})
		require.NoError(t, err)
		require.Equal(t, strings.Repeat("é", 500), got[0].Detail)
	})
}

func TestRecordHonoursCancelledContext(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		require.ErrorIs(t, s.Record(ctx, sample("req-1")), context.Canceled)
	})
}

// Parallel invites write at the same time; none may fail or be lost.
func TestRecordFromManyGoroutines(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		const workers, perWorker = 8, 50

		errs := make(chan error, workers*perWorker)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for n := range perWorker {
					e := sample(fmt.Sprintf("req-%d-%d", w, n))
					e.UserID = fmt.Sprintf("U%d", w)
					errs <- s.Record(ctx, e)
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}

		for w := range workers {
			got, err := s.Recent(ctx, store.Query{UserID: fmt.Sprintf("U%d", w), Limit: store.MaxLimit})
			require.NoError(t, err)
			requests := map[string]bool{}
			for _, e := range got {
				requests[e.RequestID] = true
			}
			require.Len(t, requests, perWorker, "worker %d", w)
		}
	})
}
