package audit_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/audit"
)

// openTemp opens a fresh log in a per-test directory and closes it when the
// test ends. It returns the file path so tests can reopen it.
func openTemp(t testing.TB) (*audit.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "invites.db")
	s, err := audit.Open(context.Background(), path)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s, path
}

// sample returns a fully populated entry, so round trips cover every field.
func sample(requestID string) audit.Entry {
	return audit.Entry{
		At:        time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.UTC),
		RequestID: requestID,
		UserID:    "U0ALICE",
		ChannelID: "C0QA",
		Surface:   audit.SurfaceModal,
		StoreID:   "store-1",
		AppID:     "app-42",
		AppName:   "Acme iOS",
		Email:     "tester@example.com",
		Outcome:   audit.OutcomeFailed,
		OTPUserID: "otp-7",
		ErrorCode: 5004,
		Detail:    "email domain not allowed",
	}
}

// at returns a distinct, increasing instant for ordering tests.
func at(minute int) time.Time {
	return time.Date(2025, 1, 1, 12, minute, 0, 0, time.UTC)
}
