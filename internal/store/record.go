package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/testerbot/testerbot/internal/invite"
)

const insertEntry = `INSERT INTO invite_audit (
	at, request_id, user_id, channel_id, surface, store_id, app_id, app_name,
	email, outcome, otp_user_id, error_code, detail
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// Record appends entries to the audit log in one transaction: either all of
// them are stored or none is. Entries with a zero At share one timestamp
// taken at the call. Each entry's ID is ignored; the store assigns it. Detail
// is cut to 500 characters. An entry without a final Outcome or an Origin
// fails the whole call with an error wrapping ErrInvalidEntry. Recording no
// entries is a no-op.
func (s *Store) Record(ctx context.Context, entries ...Entry) error {
	if len(entries) == 0 {
		return nil
	}
	for i, e := range entries {
		if err := e.validate(); err != nil {
			return fmt.Errorf("store: record: entry %d: %w", i, err)
		}
	}
	if err := s.insertAll(ctx, entries, time.Now()); err != nil {
		return fmt.Errorf("store: record: %w", err)
	}
	return nil
}

func (s *Store) insertAll(ctx context.Context, entries []Entry, now time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, e := range entries {
			if e.At.IsZero() {
				e.At = now // one timestamp for the whole call
			}
			if err := s.insertEntry(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

// insertEntry appends one audit row inside a transaction that records what it is about.
func (s *Store) insertEntry(ctx context.Context, tx *sql.Tx, e Entry) error {
	if err := e.validate(); err != nil {
		return err
	}
	if e.At.IsZero() {
		e.At = time.Now()
	}
	_, err := tx.ExecContext(ctx, s.rebind(insertEntry),
		formatTime(e.At), e.RequestID, e.UserID, e.ChannelID, e.Origin,
		e.StoreID, e.AppID, e.AppName, e.Email, string(e.Outcome), e.OTPUserID,
		e.ErrorCode, truncateRunes(e.Detail, maxDetailRunes))
	return err
}

// RecordRemoval writes the audit row of a tester whose access was removed.
func (s *Store) RecordRemoval(ctx context.Context, r invite.Removal) error {
	return s.Record(ctx, Entry{
		RequestID: r.RequestID, UserID: r.UserID, ChannelID: r.ChannelID, Origin: r.Origin,
		StoreID: r.StoreID, AppID: r.AppID, AppName: r.AppName, Email: r.Email,
		Outcome: invite.Removed, OTPUserID: r.OTPUserID, Detail: r.Detail,
	})
}
