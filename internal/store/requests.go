package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/internal/invite"
)

// The durable side of package invite: requests, their emails' outcomes, claims and leases.
// *Store implements invite.Store. Every write that continues a request checks that the caller
// still holds the request's lease (fencing), so a process that stalled past its lease cannot
// write over the process that took the request over. A write to the request's own row checks
// in the same statement; a write elsewhere first holds the lease with holdLease, in the same
// transaction.

var _ invite.Store = (*Store)(nil)

// leaseHeld is the condition, on invite_requests, that the caller's lease is current.
const leaseHeld = `state = 'running' AND lease_owner = ?`

// CreateRequest saves a new request and its emails, leased to owner. Emails already final (the
// bot refused them) get their audit rows in the same transaction.
func (s *Store) CreateRequest(ctx context.Context, rec *invite.Record, owner string, leaseUntil time.Time) error {
	return s.wrap("create request", s.inTx(ctx, func(tx *sql.Tx) error {
		r := rec.Request
		created, err := s.changedOne(ctx, tx, `INSERT INTO invite_requests (
			id, created_at, user_id, channel_id, origin, store_id, app_id, app_name, downloads, domains,
			reply_channel, reply_thread, reply_note, state, parent_ref, delivered, lease_owner, lease_until,
			access_ms, requested_by, notify_testers
		) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', '', 0, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`,
			r.ID, toMillis(rec.CreatedAt), r.UserID, r.ChannelID, r.Origin, r.StoreID, r.AppID, r.AppName,
			r.Downloads, strings.Join(r.Domains, ","), r.Reply.Channel, r.Reply.Thread, r.Reply.Note,
			owner, toMillis(leaseUntil), r.AccessFor.Milliseconds(), r.RequestedBy, boolInt(r.NotifyTesters))
		if err != nil {
			return err
		}
		if !created {
			return invite.ErrRequestExists
		}
		for _, e := range rec.EmailStates {
			if err := s.insertEmail(ctx, tx, r.ID, e); err != nil {
				return err
			}
			if e.Final() {
				if err := s.insertEntry(ctx, tx, entryOf(r, e.Result)); err != nil {
					return err
				}
			}
		}
		return nil
	}))
}

func (s *Store) insertEmail(ctx context.Context, tx *sql.Tx, requestID string, e invite.EmailState) error {
	tester, err := testerJSON(e.Tester)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO invite_emails (
		request_id, position, email, email_key, outcome, tester, problem_kind, problem_detail,
		error_code, recovered, invited_by, sent_at, attempts, finished_at
	) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?)`),
		requestID, e.Position, e.Email, strings.ToLower(e.Email), string(e.Outcome), tester,
		string(e.Problem.Kind), e.Problem.Detail, e.ErrorCode, boolInt(e.Recovered), e.InvitedBy,
		millisOrZero(e.FinishedAt))
	return err
}

// LoadRequest reads a request with the state of each of its emails.
func (s *Store) LoadRequest(ctx context.Context, id string) (*invite.Record, error) {
	rec := &invite.Record{}
	r := &rec.Request
	var created, access int64
	var domains string
	var notify int
	err := s.db.QueryRowContext(ctx, s.rebind(`SELECT id, created_at, user_id, channel_id, origin, store_id,
		app_id, app_name, downloads, domains, reply_channel, reply_thread, reply_note, state, parent_ref, delivered,
		access_ms, requested_by, notify_testers
		FROM invite_requests WHERE id = ?`), id).Scan(&r.ID, &created, &r.UserID, &r.ChannelID, &r.Origin,
		&r.StoreID, &r.AppID, &r.AppName, &r.Downloads, &domains, &r.Reply.Channel, &r.Reply.Thread,
		&r.Reply.Note, &rec.State, &rec.ParentRef, &rec.Delivered, &access, &r.RequestedBy, &notify)
	if err != nil {
		return nil, s.wrap("load request "+id, err)
	}
	rec.CreatedAt, r.AccessFor = fromMillis(created), time.Duration(access)*time.Millisecond
	r.NotifyTesters = notify != 0
	if domains != "" {
		r.Domains = strings.Split(domains, ",")
	}
	if rec.EmailStates, err = s.loadEmails(ctx, id); err != nil {
		return nil, err
	}
	for i, e := range rec.EmailStates {
		r.Emails = append(r.Emails, e.Email)
		rec.EmailStates[i].AccessEnds = r.AccessEnd(e.Result)
	}
	return rec, nil
}

func (s *Store) loadEmails(ctx context.Context, id string) ([]invite.EmailState, error) {
	return queryAll(ctx, s, "load request "+id, `SELECT position, email, outcome, tester, problem_kind,
		problem_detail, error_code, recovered, invited_by, sent_at, attempts, finished_at, was_gone
		FROM invite_emails WHERE request_id = ? ORDER BY position`, []any{id}, scanEmail)
}

func scanEmail(scan rowScanner) (invite.EmailState, error) {
	var e invite.EmailState
	var outcome, tester, kind string
	var recovered, wasGone int
	var sent, finished int64
	err := scan(&e.Position, &e.Email, &outcome, &tester, &kind, &e.Problem.Detail, &e.ErrorCode,
		&recovered, &e.InvitedBy, &sent, &e.Attempts, &finished, &wasGone)
	if err != nil {
		return e, err
	}
	e.Outcome, e.Problem.Kind, e.Recovered = invite.Outcome(outcome), invite.ProblemKind(kind), recovered != 0
	e.WasGone = wasGone != 0
	e.SentAt, e.FinishedAt = timeOrZero(sent), timeOrZero(finished)
	if e.Tester, err = parseTester(tester); err != nil {
		return e, fmt.Errorf("email %d: %w", e.Position, err)
	}
	return e, nil
}

// SetParent records where the request's progress is shown.
func (s *Store) SetParent(ctx context.Context, id, owner, ref string) error {
	return s.fenced(ctx, "set parent", `UPDATE invite_requests SET parent_ref = ? WHERE id = ? AND `+leaseHeld, ref, id, owner)
}

// SetDelivered records how many results have been shown; it never goes back.
func (s *Store) SetDelivered(ctx context.Context, id, owner string, n int) error {
	return s.fenced(ctx, "set delivered",
		`UPDATE invite_requests SET delivered = ? WHERE id = ? AND delivered <= ? AND `+leaseHeld, n, id, n, owner)
}

// CloseRequest ends a request and drops any claim it still holds.
func (s *Store) CloseRequest(ctx context.Context, id, owner string, state invite.RequestState) error {
	return s.wrap("close request", s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.fencedTx(ctx, tx, `UPDATE invite_requests SET state = ?, lease_until = 0 WHERE id = ? AND `+leaseHeld,
			string(state), id, owner); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM invite_claims WHERE request_id = ?`), id)
		return err
	}))
}

// Claim takes (store, app, email) for the request unless another request holds it.
func (s *Store) Claim(ctx context.Context, c invite.Claim) (invite.Claim, bool, error) {
	for {
		_, err := s.db.ExecContext(ctx, s.rebind(`INSERT INTO invite_claims
			(store_id, app_id, email_key, request_id, user_id, claimed_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (store_id, app_id, email_key) DO NOTHING`),
			c.StoreID, c.AppID, c.EmailKey, c.RequestID, c.UserID, toMillis(time.Now()))
		if err != nil {
			return invite.Claim{}, false, s.wrap("claim", err)
		}
		holder := invite.Claim{ClaimKey: c.ClaimKey}
		err = s.db.QueryRowContext(ctx, s.rebind(`SELECT request_id, user_id FROM invite_claims
			WHERE store_id = ? AND app_id = ? AND email_key = ?`), c.StoreID, c.AppID, c.EmailKey).
			Scan(&holder.RequestID, &holder.UserID)
		if errors.Is(err, sql.ErrNoRows) {
			continue // released between the insert and the look: try again
		}
		if err != nil {
			return invite.Claim{}, false, s.wrap("claim", err)
		}
		return holder, holder.RequestID == c.RequestID, nil
	}
}

// MarkSending records that a create for the email is about to be sent.
func (s *Store) MarkSending(ctx context.Context, id, owner string, position int, at time.Time) error {
	return s.wrap("mark sending", s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.holdLease(ctx, tx, id, owner); err != nil {
			return err
		}
		return s.fencedTx(ctx, tx, `UPDATE invite_emails SET sent_at = ?, attempts = attempts + 1
			WHERE request_id = ? AND position = ? AND outcome = ''`, toMillis(at), id, position)
	}))
}

// Finish records an email's outcome with its audit row and releases its claim, at once; when
// the access it gave ends, it schedules the end too (see scheduleEnd).
func (s *Store) Finish(ctx context.Context, id, owner string, position int, res invite.Result) error {
	tester, err := testerJSON(res.Tester)
	if err != nil {
		return s.wrap("finish", err)
	}
	return s.wrap("finish", s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.holdLease(ctx, tx, id, owner); err != nil {
			return err
		}
		err := s.fencedTx(ctx, tx, `UPDATE invite_emails SET outcome = ?, tester = ?, problem_kind = ?,
			problem_detail = ?, error_code = ?, recovered = ?, invited_by = ?, finished_at = ?, was_gone = ?
			WHERE request_id = ? AND position = ? AND outcome = ''`,
			string(res.Outcome), tester, string(res.Problem.Kind), res.Problem.Detail, res.ErrorCode,
			boolInt(res.Recovered), res.InvitedBy, toMillis(res.FinishedAt), boolInt(res.WasGone), id, position)
		if err != nil {
			return err
		}
		var r invite.Request
		var access int64
		var parentRef string
		err = tx.QueryRowContext(ctx, s.rebind(`SELECT id, user_id, channel_id, origin, store_id, app_id, app_name,
			reply_channel, reply_thread, access_ms, requested_by, parent_ref FROM invite_requests WHERE id = ?`), id).
			Scan(&r.ID, &r.UserID, &r.ChannelID, &r.Origin, &r.StoreID, &r.AppID, &r.AppName,
				&r.Reply.Channel, &r.Reply.Thread, &access, &r.RequestedBy, &parentRef)
		if err != nil {
			return err
		}
		r.AccessFor = time.Duration(access) * time.Millisecond
		res.AccessEnds = r.AccessEnd(res) // the stored request decides, whatever the caller thought
		if err := s.insertEntry(ctx, tx, entryOf(r, res)); err != nil {
			return err
		}
		if !res.AccessEnds.IsZero() {
			if err := s.scheduleEnd(ctx, tx, r, parentRef, res); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, s.rebind(`DELETE FROM invite_claims
			WHERE store_id = ? AND app_id = ? AND email_key = ? AND request_id = ?`),
			r.StoreID, r.AppID, strings.ToLower(res.Email), id)
		return err
	}))
}

// LatestInvite returns the newest invited or already-invited outcome of (store, app, email)
// finished at or after since, with who asked for it.
func (s *Store) LatestInvite(ctx context.Context, key invite.ClaimKey, since time.Time) (*invite.Result, string, error) {
	var res invite.Result
	var outcome, tester, userID string
	var finished int64
	err := s.db.QueryRowContext(ctx, s.rebind(`SELECT e.email, e.outcome, e.tester, e.finished_at, r.user_id
		FROM invite_emails e JOIN invite_requests r ON r.id = e.request_id
		WHERE e.email_key = ? AND r.store_id = ? AND r.app_id = ? AND e.finished_at >= ?
		AND e.outcome IN ('invited', 'already_invited')
		ORDER BY e.finished_at DESC LIMIT 1`), key.EmailKey, key.StoreID, key.AppID, toMillis(since)).
		Scan(&res.Email, &outcome, &tester, &finished, &userID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", s.wrap("latest invite", err)
	}
	res.Outcome, res.FinishedAt = invite.Outcome(outcome), fromMillis(finished)
	if res.Tester, err = parseTester(tester); err != nil {
		return nil, "", s.wrap("latest invite", err)
	}
	return &res, userID, nil
}

// RenewLease extends the request's lease while its run goes on.
func (s *Store) RenewLease(ctx context.Context, id, owner string, until time.Time) error {
	return s.fenced(ctx, "renew lease", `UPDATE invite_requests SET lease_until = ? WHERE id = ? AND `+leaseHeld,
		toMillis(until), id, owner)
}

// ReleaseLease gives an unfinished request up at once, so any process takes it over now.
func (s *Store) ReleaseLease(ctx context.Context, id, owner string) error {
	return s.fenced(ctx, "release lease", `UPDATE invite_requests SET lease_until = 0 WHERE id = ? AND `+leaseHeld, id, owner)
}

// TakeOver leases to owner up to limit unfinished requests whose lease has expired, oldest
// first. Each is taken with a conditional update, so of several processes scanning at once
// exactly one gets each request.
func (s *Store) TakeOver(ctx context.Context, owner string, now, until time.Time, limit int) ([]invite.TakenOver, error) {
	candidates, err := queryAll(ctx, s, "take over", `SELECT id, lease_owner FROM invite_requests
		WHERE state = 'running' AND lease_until < ? ORDER BY created_at LIMIT ?`, []any{toMillis(now), limit},
		func(scan rowScanner) (c invite.TakenOver, err error) { return c, scan(&c.ID, &c.PrevOwner) })
	if err != nil {
		return nil, err
	}
	taken, err := takeEach(candidates, func(c invite.TakenOver) (bool, error) {
		return s.changedOne(ctx, s.db, `UPDATE invite_requests SET lease_owner = ?, lease_until = ?
			WHERE id = ? AND state = 'running' AND lease_owner = ? AND lease_until < ?`,
			owner, toMillis(until), c.ID, c.PrevOwner, toMillis(now))
	})
	return taken, s.wrap("take over", err)
}

// holdLease fails with ErrLeaseLost unless owner holds the request's lease, and keeps it held
// until tx ends. Its update changes nothing, but in PostgreSQL it locks the request's row, so a
// take-over waits for tx to end and then sees everything tx wrote. Checking the lease in a
// subquery of the write itself would not do: at READ COMMITTED the subquery reads the snapshot
// its statement began with, and a take-over committed while the write waited for a row lock
// would go unseen, the write landing after the new owner had loaded the request. In SQLite, tx
// already excludes every other writer.
func (s *Store) holdLease(ctx context.Context, tx *sql.Tx, id, owner string) error {
	return s.fencedTx(ctx, tx, `UPDATE invite_requests SET lease_owner = lease_owner WHERE id = ? AND `+leaseHeld, id, owner)
}

// fenced runs one fenced update outside a transaction.
func (s *Store) fenced(ctx context.Context, what, query string, args ...any) error {
	return s.wrap(what, s.fencedTx(ctx, s.db, query, args...))
}

// fencedTx runs one fenced update on ex, turning an update that changed nothing into
// ErrLeaseLost: the row was there only for the lease holder.
func (s *Store) fencedTx(ctx context.Context, ex execer, query string, args ...any) error {
	changed, err := s.changedOne(ctx, ex, query, args...)
	if err == nil && !changed {
		err = invite.ErrLeaseLost
	}
	return err
}

func (s *Store) wrap(what string, err error) error {
	if err == nil || errors.Is(err, invite.ErrLeaseLost) {
		return err
	}
	return fmt.Errorf("store: %s: %w", what, err)
}

// entryOf is the audit row of one email's outcome.
func entryOf(r invite.Request, res invite.Result) Entry {
	e := Entry{
		At: res.FinishedAt, RequestID: r.ID, UserID: r.UserID, ChannelID: r.ChannelID, Origin: r.Origin,
		StoreID: r.StoreID, AppID: r.AppID, AppName: r.AppName, Email: res.Email, Outcome: res.Outcome,
		ErrorCode: res.ErrorCode, Detail: detailOf(r, res),
	}
	if res.Tester != nil {
		e.OTPUserID = res.Tester.ID
	}
	return e
}

// detailOf says in a few words why, until when and for whom, for the audit log.
func detailOf(r invite.Request, res invite.Result) string {
	var parts []string
	switch {
	case res.Problem.Kind != "":
		parts = append(parts, strings.TrimSuffix(string(res.Problem.Kind)+": "+res.Problem.Detail, ": "))
	case res.InvitedBy != "":
		parts = append(parts, "invited moments before by "+res.InvitedBy)
	case res.Recovered:
		parts = append(parts, "created although the answer to the create was lost")
	}
	if !res.AccessEnds.IsZero() {
		parts = append(parts, "access until "+res.AccessEnds.UTC().Format(accessEndLayout))
	}
	if r.RequestedBy != "" {
		parts = append(parts, "on behalf of "+r.RequestedBy)
	}
	return strings.Join(parts, "; ")
}

// accessEndLayout writes an access end to the minute, in UTC: ends are acted on within seconds,
// not to the second.
const accessEndLayout = "2006-01-02T15:04Z"

// testerJSON keeps the OTP user as Applivery described it, for the results shown after a
// restart.
func testerJSON(u *applivery.OTPUser) (string, error) {
	if u == nil {
		return "", nil
	}
	b, err := json.Marshal(storedTester(*u))
	return string(b), err
}

func parseTester(s string) (*applivery.OTPUser, error) {
	if s == "" {
		return nil, nil
	}
	var t storedTester
	if err := json.Unmarshal([]byte(s), &t); err != nil {
		return nil, fmt.Errorf("tester: %w", err)
	}
	u := applivery.OTPUser(t)
	return &u, nil
}

// storedTester is an OTP user kept under its Go field names: a type of its own, it drops the
// JSON methods with which applivery.OTPUser reads Applivery's wire format, which is not this
// database's.
type storedTester applivery.OTPUser

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func millisOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return toMillis(t)
}

func timeOrZero(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return fromMillis(ms)
}
