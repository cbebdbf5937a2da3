package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/testerbot/testerbot/internal/mapping"
)

// Channels linked from Slack (/invite-tester setup). *Store implements mapping.Links.

var _ mapping.Links = (*Store)(nil)

const selectLinks = `SELECT channel_id, store_id, app_id, app_name, downloads, domains, linked_by, linked_at,
	notify_testers FROM channel_links`

// Links returns every channel linked from Slack.
func (s *Store) Links(ctx context.Context) ([]mapping.Link, error) {
	return queryAll(ctx, s, "links", selectLinks+` ORDER BY channel_id`, nil, scanLink)
}

// Link returns a channel's link, nil when it has none.
func (s *Store) Link(ctx context.Context, channelID string) (*mapping.Link, error) {
	return s.link(ctx, s.db, channelID)
}

// querier is what Link needs of a *sql.DB or a *sql.Tx.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) link(ctx context.Context, q querier, channelID string) (*mapping.Link, error) {
	l, err := scanLink(q.QueryRowContext(ctx, s.rebind(selectLinks+` WHERE channel_id = ?`), channelID).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, s.wrap("link", err)
	}
	return &l, nil
}

func scanLink(scan rowScanner) (mapping.Link, error) {
	var l mapping.Link
	var domains string
	var at int64
	var notify int
	err := scan(&l.ChannelID, &l.StoreID, &l.AppID, &l.AppName, &l.Downloads, &domains, &l.LinkedBy, &at, &notify)
	if domains != "" {
		l.Domains = strings.Split(domains, ",")
	}
	l.LinkedAt, l.NotifyTesters = fromMillis(at), notify != 0
	return l, err
}

// SaveLink links a channel (or changes its link) and audits the change; it returns the link it
// replaced, nil when there was none.
func (s *Store) SaveLink(ctx context.Context, l mapping.Link) (*mapping.Link, error) {
	if l.LinkedAt.IsZero() {
		l.LinkedAt = time.Now()
	}
	var before *mapping.Link
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if before, err = s.link(ctx, tx, l.ChannelID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO channel_links
			(channel_id, store_id, app_id, app_name, downloads, domains, linked_by, linked_at, notify_testers)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (channel_id) DO UPDATE SET store_id = excluded.store_id, app_id = excluded.app_id,
			app_name = excluded.app_name, downloads = excluded.downloads, domains = excluded.domains,
			linked_by = excluded.linked_by, linked_at = excluded.linked_at, notify_testers = excluded.notify_testers`),
			l.ChannelID, l.StoreID, l.AppID, l.AppName, l.Downloads, strings.Join(l.Domains, ","), l.LinkedBy,
			toMillis(l.LinkedAt), boolInt(l.NotifyTesters))
		if err != nil {
			return err
		}
		action := "linked"
		if before != nil {
			action = "changed"
		}
		return s.auditLink(ctx, tx, l.LinkedBy, l.ChannelID, action, before, &l, l.LinkedAt)
	})
	return before, s.wrap("save link", err)
}

// RemoveLink unlinks a channel and audits it; it returns the link it removed, nil when there
// was none (nothing is audited then).
func (s *Store) RemoveLink(ctx context.Context, channelID, by string) (*mapping.Link, error) {
	var before *mapping.Link
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if before, err = s.link(ctx, tx, channelID); err != nil || before == nil {
			return err
		}
		deleted, err := s.changedOne(ctx, tx, `DELETE FROM channel_links WHERE channel_id = ?`, channelID)
		if err != nil || !deleted { // another process removed it a moment ago, and audited it
			before = nil
			return err
		}
		return s.auditLink(ctx, tx, by, channelID, "unlinked", before, nil, time.Now())
	})
	return before, s.wrap("remove link", err)
}

func (s *Store) auditLink(ctx context.Context, tx *sql.Tx, by, channelID, action string, before, after *mapping.Link, at time.Time) error {
	b, err := linkJSON(before)
	if err != nil {
		return err
	}
	a, err := linkJSON(after)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO link_audit (at, user_id, channel_id, action, before, after)
		VALUES (?, ?, ?, ?, ?, ?)`), toMillis(at), by, channelID, action, b, a)
	return err
}

// LinkChanges returns a channel's link changes, newest first.
func (s *Store) LinkChanges(ctx context.Context, channelID string) ([]mapping.Change, error) {
	return queryAll(ctx, s, "link changes", `SELECT at, user_id, action, before, after
		FROM link_audit WHERE channel_id = ? ORDER BY at DESC, id DESC`, []any{channelID}, scanChange)
}

func scanChange(scan rowScanner) (mapping.Change, error) {
	var c mapping.Change
	var at int64
	var before, after string
	err := scan(&at, &c.UserID, &c.Action, &before, &after)
	if err != nil {
		return c, err
	}
	c.At = fromMillis(at)
	if c.Before, err = parseLink(before); err != nil {
		return c, err
	}
	c.After, err = parseLink(after)
	return c, err
}

func linkJSON(l *mapping.Link) (string, error) {
	if l == nil {
		return "", nil
	}
	b, err := json.Marshal(l)
	return string(b), err
}

func parseLink(s string) (*mapping.Link, error) {
	if s == "" {
		return nil, nil
	}
	l := mapping.Link{NotifyTesters: true} // what a change audited before the field existed had
	return &l, json.Unmarshal([]byte(s), &l)
}
