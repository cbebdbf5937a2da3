package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/testerbot/testerbot/internal/expiry"
	"github.com/testerbot/testerbot/internal/invite"
)

// Access that ends: one access_ends row per tester whose access ends, written by Finish in the
// transaction of the invite's outcome, and worked by package expiry. *Store implements
// expiry.Store. Like a request, an end is leased to the process working on it, and every write
// of that process is fenced by the lease: a single conditional UPDATE of the end's own row, whose
// condition PostgreSQL checks again on the newest row once it holds the row's lock.

var _ expiry.Store = (*Store)(nil)

// scheduleEnd schedules the end of the access res gave. A tester whose end was scheduled before
// (invited again) gets the new end, posted in the new invite's thread. A process removing the
// tester at this very moment keeps its lease, so that what it did is recorded; an end waiting to
// be tried again after a failure is not held back by that wait.
func (s *Store) scheduleEnd(ctx context.Context, tx *sql.Tx, r invite.Request, parentRef string, res invite.Result) error {
	thread := r.Reply.Thread // as the results are posted: the thread the request came from, else the parent's
	if thread == "" {
		thread = parentRef
	}
	_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO access_ends (
		store_id, app_id, otp_user_id, email, ends_at, request_id, channel_id, reply_channel, reply_thread,
		state, lease_owner, lease_until, attempts, ended_at, problem_kind, detail, posted, post_attempts
	) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'scheduled', '', 0, 0, 0, '', '', 0, 0)
	ON CONFLICT (store_id, app_id, otp_user_id) DO UPDATE SET email = excluded.email,
		ends_at = excluded.ends_at, request_id = excluded.request_id, channel_id = excluded.channel_id,
		reply_channel = excluded.reply_channel, reply_thread = excluded.reply_thread, state = 'scheduled',
		attempts = 0, ended_at = 0, problem_kind = '', detail = '', posted = 0, post_attempts = 0,
		lease_until = CASE WHEN access_ends.lease_owner = '' THEN 0 ELSE access_ends.lease_until END`),
		r.StoreID, r.AppID, res.Tester.ID, res.Email, toMillis(res.AccessEnds), r.ID, r.ChannelID,
		r.Reply.Channel, thread)
	return err
}

// endColumns and endsJoin read an expiry.End (see scanEnd): the end with the invite that gave
// the access.
const (
	endColumns = `a.store_id, a.app_id, a.otp_user_id, a.email, r.app_name, a.channel_id, a.reply_channel,
		a.reply_thread, a.ends_at, a.request_id, r.user_id, r.requested_by, a.state, a.ended_at, a.attempts,
		a.problem_kind, a.detail, a.post_attempts`
	endsJoin = `access_ends a JOIN invite_requests r ON r.id = a.request_id`
)

func scanEnd(scan rowScanner, extra ...any) (expiry.End, error) {
	var e expiry.End
	var endsAt, endedAt int64
	var state, kind string
	err := scan(append([]any{&e.StoreID, &e.AppID, &e.OTPUserID, &e.Email, &e.AppName, &e.ChannelID, &e.ReplyChannel,
		&e.ReplyThread, &endsAt, &e.RequestID, &e.InvitedBy, &e.RequestedBy, &state, &endedAt, &e.Attempts,
		&kind, &e.Problem.Detail, &e.PostAttempts}, extra...)...)
	e.EndsAt, e.EndedAt = fromMillis(endsAt), timeOrZero(endedAt)
	e.State, e.Problem.Kind = expiry.State(state), invite.ProblemKind(kind)
	return e, err
}

// TakeDue leases to owner up to limit ends that need work by now, soonest first: scheduled ends
// due by now, and finished ends not yet posted, whose lease has expired. Each is taken with a
// conditional update, so of several processes taking at once exactly one gets each end; an end
// that changed since it was read (invited again) is left for the next scan.
func (s *Store) TakeDue(ctx context.Context, owner string, now, until time.Time, limit int) ([]expiry.End, error) {
	type candidate struct {
		expiry.End
		prevOwner string
	}
	candidates, err := queryAll(ctx, s, "take due ends", `SELECT `+endColumns+`, a.lease_owner FROM `+endsJoin+`
		WHERE ((a.state = 'scheduled' AND a.ends_at <= ?) OR (a.state <> 'scheduled' AND a.posted = 0))
		AND a.lease_until < ? ORDER BY a.ends_at LIMIT ?`, []any{toMillis(now), toMillis(now), limit},
		func(scan rowScanner) (c candidate, err error) {
			c.End, err = scanEnd(scan, &c.prevOwner)
			return c, err
		})
	if err != nil {
		return nil, err
	}
	taken, err := takeEach(candidates, func(c candidate) (bool, error) {
		return s.changedOne(ctx, s.db, `UPDATE access_ends SET lease_owner = ?, lease_until = ?
			WHERE store_id = ? AND app_id = ? AND otp_user_id = ? AND lease_owner = ? AND lease_until < ?
			AND state = ? AND ends_at = ? AND request_id = ? AND posted = 0`,
			owner, toMillis(until), c.StoreID, c.AppID, c.OTPUserID, c.prevOwner, toMillis(now),
			string(c.State), toMillis(c.EndsAt), c.RequestID)
	})
	ends := make([]expiry.End, len(taken))
	for i, c := range taken {
		ends[i] = c.End
	}
	return ends, s.wrap("take due ends", err)
}

// endHeld is the condition, on access_ends, that the caller holds the lease of the end named
// by the key that precedes it.
const endHeld = `store_id = ? AND app_id = ? AND otp_user_id = ? AND lease_owner = ?`

// FinishEnd records a scheduled end's outcome with its audit row, at once; owner keeps the lease
// to tell people next.
func (s *Store) FinishEnd(ctx context.Context, e expiry.End, owner string) error {
	return s.wrap("finish end", s.inTx(ctx, func(tx *sql.Tx) error {
		err := s.fencedTx(ctx, tx, `UPDATE access_ends SET state = ?, ended_at = ?, attempts = ?, problem_kind = ?,
			detail = ? WHERE `+endHeld+` AND state = 'scheduled'`,
			string(e.State), toMillis(e.EndedAt), e.Attempts, string(e.Problem.Kind), e.Problem.Detail,
			e.StoreID, e.AppID, e.OTPUserID, owner)
		if err != nil {
			return err
		}
		return s.insertEntry(ctx, tx, Entry{
			At: e.EndedAt, RequestID: e.RequestID, UserID: e.InvitedBy, ChannelID: e.ChannelID, Origin: expiry.Origin,
			StoreID: e.StoreID, AppID: e.AppID, AppName: e.AppName, Email: e.Email, Outcome: e.AuditOutcome(),
			OTPUserID: e.OTPUserID, Detail: e.AuditDetail(),
		})
	}))
}

// MarkPosted records that people were told about a finished end; nothing is left to do for it.
func (s *Store) MarkPosted(ctx context.Context, key expiry.Key, owner string) error {
	return s.fenced(ctx, "mark end posted", `UPDATE access_ends SET posted = 1, lease_owner = '', lease_until = 0
		WHERE `+endHeld+` AND state <> 'scheduled' AND posted = 0`, key.StoreID, key.AppID, key.OTPUserID, owner)
}

// Release gives an end up until notBefore, with the attempts made and the last problem.
func (s *Store) Release(ctx context.Context, e expiry.End, owner string, notBefore time.Time) error {
	return s.fenced(ctx, "release end", `UPDATE access_ends SET attempts = ?, problem_kind = ?, detail = ?,
		post_attempts = ?, lease_owner = '', lease_until = ? WHERE `+endHeld+` AND state = ? AND posted = 0`,
		e.Attempts, string(e.Problem.Kind), e.Problem.Detail, e.PostAttempts, toMillis(notBefore),
		e.StoreID, e.AppID, e.OTPUserID, owner, string(e.State))
}

// endsChunk bounds the placeholders of one AccessEnds query, far below either database's limit.
const endsChunk = 500

// AccessEnds returns when the scheduled access of each of the store's OTP users that has one
// ends, by OTP user id, for listings that show it.
func (s *Store) AccessEnds(ctx context.Context, storeID string, otpUserIDs []string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	for chunk := range slices.Chunk(otpUserIDs, endsChunk) {
		args := append([]any{storeID}, anys(chunk)...)
		type end struct {
			otpUserID string
			at        int64
		}
		ends, err := queryAll(ctx, s, "access ends", `SELECT otp_user_id, ends_at FROM access_ends
			WHERE store_id = ? AND state = 'scheduled' AND otp_user_id IN (`+placeholders(len(chunk))+`)`, args,
			func(scan rowScanner) (e end, err error) { return e, scan(&e.otpUserID, &e.at) })
		if err != nil {
			return nil, err
		}
		for _, e := range ends {
			out[e.otpUserID] = fromMillis(e.at)
		}
	}
	return out, nil
}

// UpcomingEnds returns up to limit scheduled ends of testers invited from the given channels,
// soonest first, for "access ending soon". The channels are a person's few, not a workspace's.
func (s *Store) UpcomingEnds(ctx context.Context, channelIDs []string, limit int) ([]expiry.End, error) {
	if len(channelIDs) == 0 {
		return nil, nil
	}
	args := append(anys(channelIDs), limit)
	return queryAll(ctx, s, "upcoming ends", `SELECT `+endColumns+` FROM `+endsJoin+`
		WHERE a.state = 'scheduled' AND a.channel_id IN (`+placeholders(len(channelIDs))+`)
		ORDER BY a.ends_at, a.otp_user_id LIMIT ?`, args,
		func(scan rowScanner) (expiry.End, error) { return scanEnd(scan) })
}

// placeholders returns n comma-separated placeholders, for IN lists.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
