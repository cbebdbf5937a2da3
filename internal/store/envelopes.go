package store

import (
	"context"
	"time"
)

// handledFor is how long an envelope id is remembered: Slack redelivers an envelope within
// minutes, never a day later.
const handledFor = 24 * time.Hour

// FirstToHandle records that an envelope (or event) id is being handled and reports whether it
// was the first time, across every process sharing the database: Slack may deliver one
// envelope twice, even to two replicas, and it must be handled once. Ids older than a day are
// forgotten on the way.
func (s *Store) FirstToHandle(ctx context.Context, id string) (bool, error) {
	now := time.Now()
	first, err := s.changedOne(ctx, s.db, `INSERT INTO handled_envelopes (id, at) VALUES (?, ?)
		ON CONFLICT (id) DO NOTHING`, id, toMillis(now))
	if err != nil {
		return false, s.wrap("handled envelopes", err)
	}
	if _, err := s.db.ExecContext(ctx, s.rebind(`DELETE FROM handled_envelopes WHERE at < ?`),
		toMillis(now.Add(-handledFor))); err != nil {
		return false, s.wrap("handled envelopes", err)
	}
	return first, nil
}
