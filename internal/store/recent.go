package store

import (
	"context"
	"fmt"
	"strings"
)

// Limits on how many entries one Recent call returns, sized for a Slack
// message or modal rather than for bulk export.
const (
	DefaultLimit = 20
	MaxLimit     = 200
)

// Query selects entries for Recent. Empty fields do not filter; set fields
// must all match.
type Query struct {
	ChannelID  string
	ChannelIDs []string // any of these channels; empty does not filter
	UserID     string
	Limit      int // <= 0 means DefaultLimit; values above MaxLimit are capped
}

func (q Query) limit() int {
	switch {
	case q.Limit <= 0:
		return DefaultLimit
	case q.Limit > MaxLimit:
		return MaxLimit
	}
	return q.Limit
}

// sqlWhere renders the filters as a WHERE clause with its arguments.
func (q Query) sqlWhere() (string, []any) {
	var conds []string
	var args []any
	if q.ChannelID != "" {
		conds = append(conds, "channel_id = ?")
		args = append(args, q.ChannelID)
	}
	if len(q.ChannelIDs) > 0 {
		conds = append(conds, "channel_id IN ("+strings.TrimSuffix(strings.Repeat("?,", len(q.ChannelIDs)), ",")+")")
		for _, id := range q.ChannelIDs {
			args = append(args, id)
		}
	}
	if q.UserID != "" {
		conds = append(conds, "user_id = ?")
		args = append(args, q.UserID)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

const selectEntries = `SELECT id, at, request_id, user_id, channel_id, surface,
	store_id, app_id, app_name, email, outcome, otp_user_id, error_code, detail
	FROM invite_audit`

// Recent returns the entries matching q, newest first (ties, such as the
// entries of one Record call, newest-inserted first).
func (s *Store) Recent(ctx context.Context, q Query) ([]Entry, error) {
	where, args := q.sqlWhere()
	query := selectEntries + where + " ORDER BY at DESC, id DESC LIMIT ?"
	return queryAll(ctx, s, "recent", query, append(args, q.limit()), scanEntry)
}

func scanEntry(scan rowScanner) (Entry, error) {
	var e Entry
	var at string
	err := scan(&e.ID, &at, &e.RequestID, &e.UserID, &e.ChannelID, &e.Origin,
		&e.StoreID, &e.AppID, &e.AppName, &e.Email, &e.Outcome, &e.OTPUserID,
		&e.ErrorCode, &e.Detail)
	if err != nil {
		return Entry{}, err
	}
	if e.At, err = parseTime(at); err != nil {
		return Entry{}, fmt.Errorf("entry %d: bad timestamp: %w", e.ID, err)
	}
	return e, nil
}
