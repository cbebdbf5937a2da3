package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

const insertEntry = `INSERT INTO invite_audit (
	at, request_id, user_id, channel_id, surface, store_id, app_id, app_name,
	email, outcome, otp_user_id, error_code, detail
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// Record appends entries to the audit log in one transaction: either all of
// them are stored or none is. Entries with a zero At share one timestamp
// taken at the call. Each entry's ID is ignored; the store assigns it. Detail
// is cut to 500 characters. An entry with an undeclared Outcome or Surface
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
		stmt, err := tx.PrepareContext(ctx, s.rebind(insertEntry))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, e := range entries {
			if err := insertOne(ctx, stmt, e, now); err != nil {
				return err
			}
		}
		return nil
	})
}

func insertOne(ctx context.Context, stmt *sql.Stmt, e Entry, now time.Time) error {
	at := e.At
	if at.IsZero() {
		at = now
	}
	_, err := stmt.ExecContext(ctx,
		formatTime(at), e.RequestID, e.UserID, e.ChannelID, string(e.Surface),
		e.StoreID, e.AppID, e.AppName, e.Email, string(e.Outcome), e.OTPUserID,
		e.ErrorCode, truncateRunes(e.Detail, maxDetailRunes))
	return err
}
