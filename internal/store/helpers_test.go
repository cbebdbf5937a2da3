package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/store"
	"github.com/testerbot/testerbot/internal/store/storetest"
	"github.com/testerbot/testerbot/internal/together"
)

// sample returns a fully populated entry, so round trips cover every field.
func sample(requestID string) store.Entry {
	return store.Entry{
		At:        time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.UTC),
		RequestID: requestID,
		UserID:    "U0ALICE",
		ChannelID: "C0QA",
		Origin:    "modal",
		StoreID:   "store-1",
		AppID:     "app-42",
		AppName:   "Acme iOS",
		Email:     "tester@example.com",
		Outcome:   invite.Failed,
		OTPUserID: "otp-7",
		ErrorCode: 5004,
		Detail:    "email domain not allowed",
	}
}

// at returns a distinct, increasing instant for ordering tests.
func at(minute int) time.Time {
	return time.Date(2025, 1, 1, 12, minute, 0, 0, time.UTC)
}

// replicas opens n processes' stores on one database.
func replicas(t *testing.T, cfg store.Config, n int) []*store.Store {
	stores := make([]*store.Store, n)
	for i := range stores {
		stores[i] = storetest.Open(t, cfg)
	}
	return stores
}

// scanTogether has every store scan at the same moment, as replicas do, each taking small
// batches under its own owner name ("p-0", "p-1", …) until a scan finds nothing left. It
// returns everything taken, whoever took it.
func scanTogether[T any](t *testing.T, stores []*store.Store, take func(s *store.Store, owner string) ([]T, error)) []T {
	t.Helper()
	taken := make([][]T, len(stores))
	errs := make([]error, len(stores))
	together.Run(len(stores), func(i int) {
		for {
			batch, err := take(stores[i], fmt.Sprintf("p-%d", i))
			if err != nil || len(batch) == 0 {
				errs[i] = err
				return
			}
			taken[i] = append(taken[i], batch...)
		}
	})
	var all []T
	for i := range stores {
		require.NoError(t, errs[i])
		all = append(all, taken[i]...)
	}
	return all
}

// numbered returns n keys made with format from 0, 1, … n-1.
func numbered(format string, n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf(format, i)
	}
	return keys
}
