package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/mapping"
)

// Channels linked from Slack (/invite-tester setup). *Store implements mapping.Links.

var _ mapping.Links = (*Store)(nil)

const selectLinks = `SELECT channel_id, store_id, app_id, app_name, downloads, domains, linked_by, linked_at,
	notify_testers FROM channel_links`

// Links returns every channel linked from Slack.
func (s *Store) Links(ctx context.Context) ([]config.Channel, error) {
	return queryAll(ctx, s, "links", selectLinks+` ORDER BY channel_id`, nil, scanLink)
}

// Link returns a channel's link, nil when it has none.
func (s *Store) Link(ctx context.Context, channelID string) (*config.Channel, error) {
	return s.link(ctx, s.db, channelID)
}

// querier is what Link needs of a *sql.DB or a *sql.Tx.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) link(ctx context.Context, q querier, channelID string) (*config.Channel, error) {
	l, err := scanLink(q.QueryRowContext(ctx, s.rebind(selectLinks+` WHERE channel_id = ?`), channelID).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, s.wrap("link", err)
	}
	return &l, nil
}

// scanLink reads a channel_links row, which holds the link's one app.
func scanLink(scan rowScanner) (config.Channel, error) {
	l := config.Channel{Source: config.FromSlack, Apps: make([]config.App, 1)}
	var domains string
	var at int64
	var notify int
	err := scan(&l.ID, &l.Store, &l.Apps[0].ID, &l.Apps[0].Name, &l.Downloads, &domains, &l.LinkedBy, &at, &notify)
	if domains != "" {
		l.Domains = strings.Split(domains, ",")
	}
	l.LinkedAt, l.NotifyTesters = fromMillis(at), notify != 0
	return l, err
}

// errNotOneApp refuses to save a link with other than one app: channel_links has room for one.
var errNotOneApp = errors.New("a channel linked from Slack has exactly one app")

// SaveLink links a channel (or changes its link) and audits the change; it returns the link it
// replaced, nil when there was none. The link has one app; LinkedAt defaults to now.
func (s *Store) SaveLink(ctx context.Context, l config.Channel) (*config.Channel, error) {
	if len(l.Apps) != 1 {
		return nil, s.wrap("save link", errNotOneApp)
	}
	l.Source = config.FromSlack
	if l.LinkedAt.IsZero() {
		l.LinkedAt = time.Now()
	}
	var before *config.Channel
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if before, err = s.link(ctx, tx, l.ID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO channel_links
			(channel_id, store_id, app_id, app_name, downloads, domains, linked_by, linked_at, notify_testers)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (channel_id) DO UPDATE SET store_id = excluded.store_id, app_id = excluded.app_id,
			app_name = excluded.app_name, downloads = excluded.downloads, domains = excluded.domains,
			linked_by = excluded.linked_by, linked_at = excluded.linked_at, notify_testers = excluded.notify_testers`),
			l.ID, l.Store, l.Apps[0].ID, l.Apps[0].Name, l.Downloads, strings.Join(l.Domains, ","), l.LinkedBy,
			toMillis(l.LinkedAt), boolInt(l.NotifyTesters))
		if err != nil {
			return err
		}
		action := "linked"
		if before != nil {
			action = "changed"
		}
		return s.auditLink(ctx, tx, l.LinkedBy, l.ID, action, before, &l, l.LinkedAt)
	})
	return before, s.wrap("save link", err)
}

// RemoveLink unlinks a channel and audits it; it returns the link it removed, nil when there
// was none (nothing is audited then).
func (s *Store) RemoveLink(ctx context.Context, channelID, by string) (*config.Channel, error) {
	var before *config.Channel
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

func (s *Store) auditLink(ctx context.Context, tx *sql.Tx, by, channelID, action string, before, after *config.Channel, at time.Time) error {
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

// auditedLink is a link as link_audit's before and after columns hold it, in JSON: flat, with
// the keys every audited row has had, so that rows written before and after this type, and by
// another version of the bot during a rolling update, read the same. It is the storage format,
// used only by linkJSON and parseLink; the bot uses config.Channel.
type auditedLink struct {
	ChannelID     string
	StoreID       string
	AppID         string
	AppName       string
	Downloads     int
	Domains       []string
	LinkedBy      string
	LinkedAt      time.Time
	NotifyTesters bool
}

func linkJSON(l *config.Channel) (string, error) {
	if l == nil {
		return "", nil
	}
	if len(l.Apps) != 1 {
		return "", errNotOneApp
	}
	b, err := json.Marshal(auditedLink{ChannelID: l.ID, StoreID: l.Store, AppID: l.Apps[0].ID, AppName: l.Apps[0].Name,
		Downloads: l.Downloads, Domains: l.Domains, LinkedBy: l.LinkedBy, LinkedAt: l.LinkedAt, NotifyTesters: l.NotifyTesters})
	return string(b), err
}

func parseLink(s string) (*config.Channel, error) {
	if s == "" {
		return nil, nil
	}
	a := auditedLink{NotifyTesters: true} // what a change audited before the field existed had
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		return nil, err
	}
	return &config.Channel{ID: a.ChannelID, Store: a.StoreID, Apps: []config.App{{ID: a.AppID, Name: a.AppName}},
		Downloads: a.Downloads, Domains: a.Domains, NotifyTesters: a.NotifyTesters,
		Source: config.FromSlack, LinkedBy: a.LinkedBy, LinkedAt: a.LinkedAt}, nil
}
