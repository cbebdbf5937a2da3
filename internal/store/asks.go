package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/testerbot/testerbot/internal/approval"
	"github.com/testerbot/testerbot/internal/invite"
)

// Asks for testers put to the QA leads. *Store implements approval.Store. An ask's addresses
// are held in ask_pending while it waits, with INSERT … ON CONFLICT, and it is decided with an
// UPDATE … WHERE state = 'pending': both are atomic in either database, so two processes never
// hold one address or decide one ask twice. Asks are never deleted.

var _ approval.Store = (*Store)(nil)

// askOrigin is the origin of the audit rows an ask writes.
const askOrigin = "ask"

const selectAsks = `SELECT id, created_at, expires_at, requester_id, channel_id, store_id, app_id, app_name,
	emails, downloads, access_for, reason, state, message_channel, message_ts, decided_by, decided_at,
	deny_reason, request_id FROM asks`

// CreateAsk saves a new pending ask with an "asked" audit row per address, less the addresses
// another pending ask of its store and app holds, which it returns; the requester joins those
// asks that are someone else's. When no address is left it saves no ask.
func (s *Store) CreateAsk(ctx context.Context, a approval.Ask) (approval.Created, error) {
	var out approval.Created
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		out = approval.Created{}
		kept, held, err := s.holdAddresses(ctx, tx, a)
		if err != nil {
			return err
		}
		out.Pending = held
		if out.Joined, err = s.joinHolders(ctx, tx, a, held); err != nil || len(kept) == 0 {
			return err
		}
		a.Emails = kept
		if err := s.insertAsk(ctx, tx, a); err != nil {
			return err
		}
		for _, email := range a.Emails {
			if err := s.insertEntry(ctx, tx, askEntry(a, a.CreatedAt, a.RequesterID, email, invite.Asked, "")); err != nil {
				return err
			}
		}
		out.Ask = &a
		return nil
	})
	if err != nil {
		return approval.Created{}, s.wrap("create ask", err)
	}
	return out, nil
}

// joinHolders adds a's requester to the other people's pending asks that hold the addresses
// held, with an "asked" audit row per address, and returns those asks as they now stand.
func (s *Store) joinHolders(ctx context.Context, tx *sql.Tx, a approval.Ask, held []string) ([]approval.Ask, error) {
	var order []string
	byAsk := map[string][]string{}
	for _, email := range held {
		var id string
		err := tx.QueryRowContext(ctx, s.rebind(`SELECT ask_id FROM ask_pending WHERE store_id = ? AND app_id = ? AND email_key = ?`),
			a.StoreID, a.AppID, strings.ToLower(email)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			continue // its ask was decided meanwhile
		}
		if err != nil {
			return nil, err
		}
		if _, ok := byAsk[id]; !ok {
			order = append(order, id)
		}
		byAsk[id] = append(byAsk[id], email)
	}
	var joined []approval.Ask
	for _, id := range order {
		holder, err := s.ask(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if holder.RequesterID == a.RequesterID {
			continue // asked again by the same person: nothing to join
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO ask_joiners (ask_id, requester_id, joined_at)
			VALUES (?, ?, ?) ON CONFLICT (ask_id, requester_id) DO NOTHING`), id, a.RequesterID, toMillis(a.CreatedAt)); err != nil {
			return nil, err
		}
		for _, email := range byAsk[id] {
			if err := s.insertEntry(ctx, tx, askEntry(*holder, a.CreatedAt, a.RequesterID, email, invite.Asked, "joined the waiting request")); err != nil {
				return nil, err
			}
		}
		if holder, err = s.ask(ctx, tx, id); err != nil {
			return nil, err
		}
		joined = append(joined, *holder)
	}
	return joined, nil
}

// CountPendingAsks counts a requester's own asks still pending, not yet due at now.
func (s *Store) CountPendingAsks(ctx context.Context, requesterID string, now time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM asks WHERE requester_id = ? AND state = 'pending' AND expires_at > ?`),
		requesterID, toMillis(now)).Scan(&n)
	return n, s.wrap("count pending asks", err)
}

// holdAddresses takes each address of a for a's store and app unless another pending ask
// holds it, and returns the addresses taken and those held elsewhere, each in a's order. It
// takes them in key order: in PostgreSQL, two asks taking the same addresses in different
// orders could each wait for a key the other has just taken, and one would fail as a deadlock.
func (s *Store) holdAddresses(ctx context.Context, tx *sql.Tx, a approval.Ask) (kept, held []string, err error) {
	taken := map[string]bool{}
	keys := make([]string, len(a.Emails))
	for i, email := range a.Emails {
		keys[i] = strings.ToLower(email)
	}
	for _, key := range slices.Sorted(slices.Values(keys)) {
		held, err := s.changedOne(ctx, tx, `INSERT INTO ask_pending (store_id, app_id, email_key, ask_id)
			VALUES (?, ?, ?, ?) ON CONFLICT (store_id, app_id, email_key) DO NOTHING`, a.StoreID, a.AppID, key, a.ID)
		if err != nil {
			return nil, nil, err
		}
		taken[key] = held
	}
	for i, email := range a.Emails {
		if taken[keys[i]] {
			kept = append(kept, email)
		} else {
			held = append(held, email)
		}
	}
	return kept, held, nil
}

func (s *Store) insertAsk(ctx context.Context, tx *sql.Tx, a approval.Ask) error {
	emails, err := json.Marshal(a.Emails)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO asks (
		id, created_at, expires_at, requester_id, channel_id, store_id, app_id, app_name, emails, downloads,
		access_for, reason, state, message_channel, message_ts, decided_by, decided_at, deny_reason, request_id
	) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		a.ID, toMillis(a.CreatedAt), toMillis(a.ExpiresAt), a.RequesterID, a.ChannelID, a.StoreID, a.AppID,
		a.AppName, string(emails), a.Downloads, a.AccessFor.Milliseconds(), a.Reason, string(a.State),
		a.Message.Channel, a.Message.TS, a.DecidedBy, millisOrZero(a.DecidedAt), a.DenyReason, a.RequestID)
	return err
}

// LoadAsk reads an ask; approval.ErrNotFound when there is none.
func (s *Store) LoadAsk(ctx context.Context, id string) (*approval.Ask, error) {
	a, err := s.ask(ctx, s.db, id)
	return a, s.wrap("load ask", err)
}

func (s *Store) ask(ctx context.Context, q rowsQuerier, id string) (*approval.Ask, error) {
	a, err := scanAsk(q.QueryRowContext(ctx, s.rebind(selectAsks+` WHERE id = ?`), id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, approval.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	asks := []approval.Ask{a}
	if err := s.addJoiners(ctx, q, asks); err != nil {
		return nil, err
	}
	return &asks[0], nil
}

// rowsQuerier is a *sql.DB or a *sql.Tx.
type rowsQuerier interface {
	querier
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// addJoiners fills each ask's AlsoAskedBy, in the order they joined.
func (s *Store) addJoiners(ctx context.Context, q rowsQuerier, asks []approval.Ask) error {
	if len(asks) == 0 {
		return nil
	}
	index := make(map[string]int, len(asks))
	args := make([]any, len(asks))
	for i, a := range asks {
		index[a.ID], args[i] = i, a.ID
	}
	rows, err := q.QueryContext(ctx, s.rebind(`SELECT ask_id, requester_id FROM ask_joiners WHERE ask_id IN (`+
		strings.TrimSuffix(strings.Repeat("?,", len(asks)), ",")+`) ORDER BY joined_at, requester_id`), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var askID, requester string
		if err := rows.Scan(&askID, &requester); err != nil {
			return err
		}
		i := index[askID]
		asks[i].AlsoAskedBy = append(asks[i].AlsoAskedBy, requester)
	}
	return rows.Err()
}

func scanAsk(scan rowScanner) (approval.Ask, error) {
	var a approval.Ask
	var created, expires, accessFor, decided int64
	var emails, state string
	err := scan(&a.ID, &created, &expires, &a.RequesterID, &a.ChannelID, &a.StoreID, &a.AppID, &a.AppName,
		&emails, &a.Downloads, &accessFor, &a.Reason, &state, &a.Message.Channel, &a.Message.TS, &a.DecidedBy,
		&decided, &a.DenyReason, &a.RequestID)
	if err != nil {
		return a, err
	}
	a.CreatedAt, a.ExpiresAt, a.DecidedAt = fromMillis(created), fromMillis(expires), timeOrZero(decided)
	a.AccessFor, a.State = time.Duration(accessFor)*time.Millisecond, approval.State(state)
	if err := json.Unmarshal([]byte(emails), &a.Emails); err != nil {
		return a, fmt.Errorf("ask %s: emails: %w", a.ID, err)
	}
	return a, nil
}

// SetAskMessage records where the ask is shown.
func (s *Store) SetAskMessage(ctx context.Context, id string, m approval.Message) error {
	return s.updateAsk(ctx, "set ask message", `UPDATE asks SET message_channel = ?, message_ts = ? WHERE id = ?`,
		m.Channel, m.TS, id)
}

// SetAskRequest records the invite request started on approval.
func (s *Store) SetAskRequest(ctx context.Context, id, requestID string) error {
	return s.updateAsk(ctx, "set ask request", `UPDATE asks SET request_id = ? WHERE id = ?`, requestID, id)
}

// updateAsk runs an update of one ask, turning an update that changed nothing into
// approval.ErrNotFound.
func (s *Store) updateAsk(ctx context.Context, what, query string, args ...any) error {
	changed, err := s.changedOne(ctx, s.db, query, args...)
	if err == nil && !changed {
		err = approval.ErrNotFound
	}
	return s.wrap(what, err)
}

// DecideAsk moves a pending ask to d.State — unless it is due to expire at d.At, or for
// Expired unless it is due — and, with it, releases its addresses and writes the decision's
// audit rows, one per address. It returns the ask as it then stands and whether this call moved it.
func (s *Store) DecideAsk(ctx context.Context, id string, d approval.Decision) (*approval.Ask, bool, error) {
	due := `expires_at > ?`
	if d.State == approval.Expired {
		due = `expires_at <= ?`
	}
	var a *approval.Ask
	var decided bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		moved, err := s.changedOne(ctx, tx, `UPDATE asks SET state = ?, decided_by = ?, decided_at = ?, deny_reason = ?
			WHERE id = ? AND state = 'pending' AND `+due, string(d.State), d.By, toMillis(d.At), d.Reason, id, toMillis(d.At))
		if err != nil {
			return err
		}
		if a, err = s.ask(ctx, tx, id); err != nil || !moved {
			return err
		}
		decided = true
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM ask_pending WHERE ask_id = ?`), id); err != nil {
			return err
		}
		return s.auditDecision(ctx, tx, *a, d)
	})
	if err != nil {
		return nil, false, s.wrap("decide ask", err)
	}
	return a, decided, nil
}

func (s *Store) auditDecision(ctx context.Context, tx *sql.Tx, a approval.Ask, d approval.Decision) error {
	var outcome invite.Outcome
	user := d.By
	switch d.State {
	case approval.Approved:
		outcome = invite.Approved
	case approval.Denied:
		outcome = invite.Denied
	case approval.Expired:
		outcome, user = invite.AskExpired, a.RequesterID // nobody decided: the row is the requester's
	default:
		return nil
	}
	for _, email := range a.Emails {
		if err := s.insertEntry(ctx, tx, askEntry(a, d.At, user, email, outcome, d.Detail)); err != nil {
			return err
		}
	}
	return nil
}

// askEntry is the audit row of one address of an ask. The ask's id groups its rows as a
// request's id groups an invite's.
func askEntry(a approval.Ask, at time.Time, user, email string, outcome invite.Outcome, detail string) Entry {
	return Entry{
		At: at, RequestID: a.ID, UserID: user, ChannelID: a.ChannelID, Origin: askOrigin,
		StoreID: a.StoreID, AppID: a.AppID, AppName: a.AppName, Email: email, Outcome: outcome, Detail: detail,
	}
}

// DueAsks returns the pending asks whose ExpiresAt is at or before now, soonest first.
func (s *Store) DueAsks(ctx context.Context, now time.Time) ([]approval.Ask, error) {
	return s.asks(ctx, "due asks", ` WHERE state = 'pending' AND expires_at <= ? ORDER BY expires_at, id`, toMillis(now))
}

// UnstartedAsks returns up to limit approved asks decided at or before decidedBefore whose
// request is not recorded, oldest decision first.
func (s *Store) UnstartedAsks(ctx context.Context, decidedBefore time.Time, limit int) ([]approval.Ask, error) {
	return s.asks(ctx, "unstarted asks", ` WHERE state = 'approved' AND request_id = '' AND decided_at <= ?
		ORDER BY decided_at, id LIMIT ?`, toMillis(decidedBefore), limit)
}

// PendingAsks returns up to limit pending asks not yet due at now, oldest first, in any of
// channelIDs (none when it is empty), or in every channel when channelIDs is nil.
func (s *Store) PendingAsks(ctx context.Context, channelIDs []string, now time.Time, limit int) ([]approval.Ask, error) {
	if channelIDs != nil && len(channelIDs) == 0 {
		return nil, nil
	}
	where, args := ` WHERE state = 'pending' AND expires_at > ?`, []any{toMillis(now)}
	if channelIDs != nil {
		where += ` AND channel_id IN (` + strings.TrimSuffix(strings.Repeat("?,", len(channelIDs)), ",") + `)`
		for _, id := range channelIDs {
			args = append(args, id)
		}
	}
	return s.asks(ctx, "pending asks", where+` ORDER BY created_at, id LIMIT ?`, append(args, limit)...)
}

// AsksBy returns up to limit of a requester's asks in any state, newest first.
func (s *Store) AsksBy(ctx context.Context, requesterID string, limit int) ([]approval.Ask, error) {
	return s.asks(ctx, "asks by requester", ` WHERE requester_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`,
		requesterID, limit)
}

// asks returns the asks that selectAsks followed by rest selects.
func (s *Store) asks(ctx context.Context, what, rest string, args ...any) ([]approval.Ask, error) {
	asks, err := queryAll(ctx, s, what, selectAsks+rest, args, scanAsk)
	if err != nil {
		return nil, err
	}
	return asks, s.wrap(what, s.addJoiners(ctx, s.db, asks))
}
