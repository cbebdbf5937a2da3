package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/testerbot/testerbot/internal/outbox"
)

// The outbox (package outbox): Slack writes saved before they are sent. *Store implements
// outbox.Store. A message is written once per key (INSERT … ON CONFLICT), so a repeated enqueue
// after a crash changes nothing; an edit that replaces takes a new version, and a send is
// recorded only for the version it sent, so a newer edit is never marked sent by an older send.

var _ outbox.Store = (*Store)(nil)

const outboxColumns = `msg_key, ord, kind, channel, to_email, thread, thread_of, target_ts, edit_of, body_text,
	blocks, url, priority, replaces, grp, asker, asker_url, state, version, attempts, not_before, sent_ts, error,
	created_at`

func outboxArgs(r outbox.Record) []any {
	return []any{r.Key, r.Ord, string(r.Kind), r.Channel, r.ToEmail, r.Thread, r.ThreadOf, r.TS, r.EditOf, r.Text,
		string(r.Blocks), r.URL, r.Priority, boolInt(r.Replace), r.Group, r.Asker, r.AskerURL, string(r.State),
		r.Version, r.Attempts, millisOrZero(r.NotBefore), r.SentTS, r.Error, toMillis(r.CreatedAt)}
}

func scanOutbox(scan rowScanner, extra ...any) (outbox.Record, error) {
	var r outbox.Record
	var kind, blocks, state string
	var replace int
	var notBefore, created int64
	err := scan(append([]any{&r.Key, &r.Ord, &kind, &r.Channel, &r.ToEmail, &r.Thread, &r.ThreadOf, &r.TS, &r.EditOf,
		&r.Text, &blocks, &r.URL, &r.Priority, &replace, &r.Group, &r.Asker, &r.AskerURL, &state, &r.Version,
		&r.Attempts, &notBefore, &r.SentTS, &r.Error, &created}, extra...)...)
	r.Kind, r.State, r.Replace = outbox.Kind(kind), outbox.State(state), replace != 0
	if blocks != "" {
		r.Blocks = []byte(blocks)
	}
	r.NotBefore, r.CreatedAt = timeOrZero(notBefore), fromMillis(created)
	return r, err
}

// EnqueueMessage saves r unless its key is saved; an edit (Replace) replaces the saved one's
// content and is pending again.
func (s *Store) EnqueueMessage(ctx context.Context, r outbox.Record) (outbox.Record, error) {
	query := `INSERT INTO outbox (` + outboxColumns + `, finished_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)
		ON CONFLICT (msg_key) DO NOTHING`
	if r.Replace {
		query = `INSERT INTO outbox (` + outboxColumns + `, finished_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)
		ON CONFLICT (msg_key) DO UPDATE SET body_text = excluded.body_text, blocks = excluded.blocks,
			state = 'pending', version = outbox.version + 1, attempts = 0, not_before = 0, error = '',
			target_ts = CASE WHEN outbox.target_ts = '' THEN excluded.target_ts ELSE outbox.target_ts END
		WHERE outbox.body_text <> excluded.body_text OR outbox.blocks <> excluded.blocks OR outbox.state = 'failed'`
	}
	if _, err := s.db.ExecContext(ctx, s.rebind(query), outboxArgs(r)...); err != nil {
		return outbox.Record{}, s.wrap("enqueue message", err)
	}
	return s.LoadMessage(ctx, r.Key)
}

// LoadMessage returns the message saved under key.
func (s *Store) LoadMessage(ctx context.Context, key string) (outbox.Record, error) {
	r, err := scanOutbox(s.db.QueryRowContext(ctx, s.rebind(`SELECT `+outboxColumns+` FROM outbox WHERE msg_key = ?`), key).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return r, outbox.ErrNotFound
	}
	return r, s.wrap("load message", err)
}

// PendingMessages returns pending messages by priority and order, each with the message it
// depends on.
func (s *Store) PendingMessages(ctx context.Context, limit int) ([]outbox.Queued, error) {
	return queryAll(ctx, s, "pending messages", `SELECT o.`+prefixed("o.", outboxColumns)+`,
		COALESCE(d.state, ''), COALESCE(d.sent_ts, ''), COALESCE(d.error, '')
		FROM outbox o LEFT JOIN outbox d ON d.msg_key = (CASE WHEN o.kind = 'update' THEN o.edit_of ELSE o.thread_of END)
		WHERE o.state = 'pending' ORDER BY o.priority, o.ord LIMIT ?`, []any{limit},
		func(scan rowScanner) (outbox.Queued, error) {
			var q outbox.Queued
			var depState string
			var err error
			q.Record, err = scanOutbox(scan, &depState, &q.DepTS, &q.DepError)
			q.DepState = outbox.State(depState)
			return q, err
		})
}

// MessageSent records that version of a message was sent as ts; a response_url, a credential,
// is forgotten then.
func (s *Store) MessageSent(ctx context.Context, key string, version int, ts string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, s.rebind(`UPDATE outbox SET state = 'sent', sent_ts = ?, url = '', asker_url = '', finished_at = ?,
		target_ts = CASE WHEN kind = 'update' THEN ? ELSE target_ts END
		WHERE msg_key = ? AND version = ? AND state = 'pending'`), ts, toMillis(at), ts, key, version)
	return s.wrap("message sent", err)
}

// MessageFinal makes a pending message final.
func (s *Store) MessageFinal(ctx context.Context, key string, state outbox.State, code string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, s.rebind(`UPDATE outbox SET state = ?, error = ?, url = '', asker_url = '', finished_at = ?
		WHERE msg_key = ? AND state = 'pending'`), string(state), code, toMillis(at), key)
	return s.wrap("message final", err)
}

// RetryMessage leaves a pending message for later.
func (s *Store) RetryMessage(ctx context.Context, key string, attempts int, notBefore time.Time) error {
	_, err := s.db.ExecContext(ctx, s.rebind(`UPDATE outbox SET attempts = ?, not_before = ?
		WHERE msg_key = ? AND state = 'pending'`), attempts, toMillis(notBefore), key)
	return s.wrap("retry message", err)
}

// SplitMessage replaces a pending message by its parts in one transaction.
func (s *Store) SplitMessage(ctx context.Context, key string, parts []outbox.Record) error {
	return s.wrap("split message", s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE outbox SET state = 'split', finished_at = ?
			WHERE msg_key = ? AND state = 'pending'`), toMillis(time.Now()), key); err != nil {
			return err
		}
		for _, p := range parts {
			if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO outbox (`+outboxColumns+`, finished_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)
				ON CONFLICT (msg_key) DO NOTHING`), outboxArgs(p)...); err != nil {
				return err
			}
		}
		return nil
	}))
}

// TakeLane leases lane to owner unless another owner's lease is current. One statement: of two
// replicas taking a free lane at once, exactly one writes the row.
func (s *Store) TakeLane(ctx context.Context, lane, owner string, now, until time.Time) (bool, error) {
	taken, err := s.changedOne(ctx, s.db, `INSERT INTO outbox_lanes (lane, owner, lease_until) VALUES (?, ?, ?)
		ON CONFLICT (lane) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
		WHERE outbox_lanes.owner = excluded.owner OR outbox_lanes.lease_until < ?`,
		lane, owner, toMillis(until), toMillis(now))
	return taken, s.wrap("take lane", err)
}

// ReleaseLanes gives up owner's lanes.
func (s *Store) ReleaseLanes(ctx context.Context, owner string) error {
	_, err := s.db.ExecContext(ctx, s.rebind(`DELETE FROM outbox_lanes WHERE owner = ?`), owner)
	return s.wrap("release lanes", err)
}

// OutboxStats counts pending messages and finds the oldest.
func (s *Store) OutboxStats(ctx context.Context) (int, time.Time, error) {
	var n int
	var oldest int64
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MIN(created_at), 0) FROM outbox WHERE state = 'pending'`).
		Scan(&n, &oldest)
	return n, fromMillis(oldest), s.wrap("outbox stats", err)
}

// PruneMessages deletes the settled messages finished before before, except those a pending
// message still depends on (its thread's parent, or the message it edits).
func (s *Store) PruneMessages(ctx context.Context, before time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, s.rebind(`DELETE FROM outbox
		WHERE state <> 'pending' AND finished_at > 0 AND finished_at < ?
		AND msg_key NOT IN (SELECT thread_of FROM outbox WHERE state = 'pending' AND thread_of <> '')
		AND msg_key NOT IN (SELECT edit_of FROM outbox WHERE state = 'pending' AND edit_of <> '')`), toMillis(before))
	if err != nil {
		return 0, s.wrap("prune messages", err)
	}
	n, err := res.RowsAffected()
	return int(n), s.wrap("prune messages", err)
}

// prefixed puts p before every column of a comma-separated list after the first (whose prefix
// the query writes).
func prefixed(p, columns string) string {
	cols := strings.Split(columns, ",")
	for i := 1; i < len(cols); i++ {
		cols[i] = " " + p + strings.TrimSpace(cols[i])
	}
	return strings.Join(cols, ",")
}
