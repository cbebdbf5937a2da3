package store_test

import (
	"time"

	"github.com/testerbot/testerbot/invite"
	"github.com/testerbot/testerbot/store"
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
