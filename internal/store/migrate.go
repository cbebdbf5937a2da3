package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// step is one schema version. Its DDL is written once for both databases, with a placeholder
// where their words differ (see ddlWords); what only one of them needs goes in sqliteOnly or
// postgresOnly, run after it.
type step struct {
	ddl                      string
	sqliteOnly, postgresOnly string
}

// ddlWords fills in the placeholders of a step's DDL for each database.
var ddlWords = map[dialect]*strings.Replacer{
	sqliteDialect: strings.NewReplacer(
		"{millis}", "INTEGER", // unix milliseconds (see toMillis); SQLite's INTEGER is 64-bit
		"{serial}", "INTEGER PRIMARY KEY AUTOINCREMENT", // AUTOINCREMENT: ids are never reused, even after pruning
		"{strict}", "STRICT", // SQLite checks column types in STRICT tables only
		"{bytewise}", "", // TEXT compares byte by byte already (BINARY)
	),
	postgresDialect: strings.NewReplacer(
		"{millis}", "BIGINT",
		"{serial}", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", // a sequence: ids are never reused
		"{strict}", "",
		"{bytewise}", `COLLATE "C"`, // byte order, so text order is time order whatever the server's locale
	),
}

// sql is the step's DDL for the database d.
func (st step) sql(d dialect) string {
	only := st.sqliteOnly
	if d == postgresDialect {
		only = st.postgresOnly
	}
	return ddlWords[d].Replace(st.ddl) + "\n" + only
}

// migrations is the ordered schema history: step i brings the database to
// version i+1. Append new steps; never change what a shipped one creates or
// reorder them, because databases in the field have already recorded them as
// applied.
//
// Instants in new tables are {millis} (see toMillis); the audit log's "at"
// predates that rule and stays fixed-width UTC text.
var migrations = []step{
	// v1: the log itself plus one index per history query, each ending in
	// (at, id) so "ORDER BY at DESC, id DESC" is a backwards index scan with
	// no sort step. SQLite appends the rowid, which is id, to every index
	// implicitly; PostgreSQL is told.
	{
		ddl: `CREATE TABLE invite_audit (
			id          {serial},
			at          TEXT    {bytewise} NOT NULL,
			request_id  TEXT    NOT NULL,
			user_id     TEXT    NOT NULL,
			channel_id  TEXT    NOT NULL,
			surface     TEXT    NOT NULL,
			store_id    TEXT    NOT NULL,
			app_id      TEXT    NOT NULL,
			app_name    TEXT    NOT NULL,
			email       TEXT    NOT NULL,
			outcome     TEXT    NOT NULL,
			otp_user_id TEXT    NOT NULL,
			error_code  INTEGER NOT NULL,
			detail      TEXT    NOT NULL
		) {strict};`,
		sqliteOnly: `CREATE INDEX invite_audit_at ON invite_audit (at);
		CREATE INDEX invite_audit_channel_at ON invite_audit (channel_id, at);
		CREATE INDEX invite_audit_user_at ON invite_audit (user_id, at);`,
		postgresOnly: `CREATE INDEX invite_audit_at ON invite_audit (at, id);
		CREATE INDEX invite_audit_channel_at ON invite_audit (channel_id, at, id);
		CREATE INDEX invite_audit_user_at ON invite_audit (user_id, at, id);`,
	},
	// v2: durable invite requests (issue 8). A request and its emails are written before the
	// first Applivery call; each email's outcome as soon as it is known; claims keep two
	// requests from inviting one address at once; envelopes handled by any replica are noted
	// so a redelivery to another replica is handled once.
	{
		ddl: `CREATE TABLE invite_requests (
			id            TEXT     PRIMARY KEY,
			created_at    {millis} NOT NULL,
			user_id       TEXT     NOT NULL,
			channel_id    TEXT     NOT NULL,
			origin        TEXT     NOT NULL,
			store_id      TEXT     NOT NULL,
			app_id        TEXT     NOT NULL,
			app_name      TEXT     NOT NULL,
			downloads     INTEGER  NOT NULL,
			domains       TEXT     NOT NULL, -- comma-separated
			reply_channel TEXT     NOT NULL,
			reply_thread  TEXT     NOT NULL,
			reply_note    TEXT     NOT NULL,
			state         TEXT     NOT NULL, -- running, done or abandoned
			parent_ref    TEXT     NOT NULL,
			delivered     INTEGER  NOT NULL,
			lease_owner   TEXT     NOT NULL,
			lease_until   {millis} NOT NULL
		) {strict};
		CREATE INDEX invite_requests_unfinished ON invite_requests (state, lease_until);
		CREATE TABLE invite_emails (
			request_id     TEXT     NOT NULL REFERENCES invite_requests (id),
			position       INTEGER  NOT NULL,
			email          TEXT     NOT NULL,
			email_key      TEXT     NOT NULL,
			outcome        TEXT     NOT NULL, -- empty until decided
			tester         TEXT     NOT NULL, -- the OTP user as JSON, empty when none
			problem_kind   TEXT     NOT NULL,
			problem_detail TEXT     NOT NULL,
			error_code     INTEGER  NOT NULL,
			recovered      INTEGER  NOT NULL,
			invited_by     TEXT     NOT NULL,
			sent_at        {millis} NOT NULL, -- the last create's, 0 when none was sent
			attempts       INTEGER  NOT NULL,
			finished_at    {millis} NOT NULL,
			PRIMARY KEY (request_id, position)
		) {strict};
		CREATE INDEX invite_emails_key ON invite_emails (email_key, finished_at);
		CREATE TABLE invite_claims (
			store_id   TEXT     NOT NULL,
			app_id     TEXT     NOT NULL,
			email_key  TEXT     NOT NULL,
			request_id TEXT     NOT NULL,
			user_id    TEXT     NOT NULL,
			claimed_at {millis} NOT NULL,
			PRIMARY KEY (store_id, app_id, email_key)
		) {strict};
		CREATE INDEX invite_claims_request ON invite_claims (request_id);
		CREATE TABLE handled_envelopes (
			id TEXT     PRIMARY KEY,
			at {millis} NOT NULL
		) {strict};
		CREATE INDEX handled_envelopes_at ON handled_envelopes (at);`,
	},
	// v3: channels linked to a store and app from Slack (/invite-tester setup), and the audit
	// of every change to them: who, when, before and after (JSON of the link, "" for none).
	{
		ddl: `CREATE TABLE channel_links (
			channel_id TEXT     PRIMARY KEY,
			store_id   TEXT     NOT NULL,
			app_id     TEXT     NOT NULL,
			app_name   TEXT     NOT NULL,
			downloads  INTEGER  NOT NULL,
			domains    TEXT     NOT NULL, -- comma-separated
			linked_by  TEXT     NOT NULL,
			linked_at  {millis} NOT NULL
		) {strict};
		CREATE TABLE link_audit (
			id         {serial},
			at         {millis} NOT NULL,
			user_id    TEXT     NOT NULL,
			channel_id TEXT     NOT NULL,
			action     TEXT     NOT NULL, -- linked, changed or unlinked
			before     TEXT     NOT NULL,
			after      TEXT     NOT NULL
		) {strict};
		CREATE INDEX link_audit_channel_at ON link_audit (channel_id, at);`,
	},
	// v4: access that ends (issue 12). A request says how long its testers' access lasts and, when
	// a QA lead invited on someone's behalf, who asked; a link says whether invited workspace
	// members get a DM. access_ends holds one row per tester whose access ends, written with the
	// invite's outcome and worked like a small request: leased by the process removing the
	// tester, finished fenced by that lease, and "posted" once people were told.
	{
		ddl: `ALTER TABLE invite_requests ADD COLUMN access_ms {millis} NOT NULL DEFAULT 0; -- 0: access does not end
		ALTER TABLE invite_requests ADD COLUMN requested_by TEXT NOT NULL DEFAULT '';
		ALTER TABLE channel_links ADD COLUMN notify_testers INTEGER NOT NULL DEFAULT 1;
		CREATE TABLE access_ends (
			store_id      TEXT     NOT NULL,
			app_id        TEXT     NOT NULL,
			otp_user_id   TEXT     NOT NULL,
			email         TEXT     NOT NULL,
			ends_at       {millis} NOT NULL,
			request_id    TEXT     NOT NULL, -- the invite that gave the access (the latest, after a re-invite)
			channel_id    TEXT     NOT NULL,
			reply_channel TEXT     NOT NULL, -- where that invite's results are
			reply_thread  TEXT     NOT NULL,
			state         TEXT     NOT NULL, -- scheduled, ended, gone or failed
			lease_owner   TEXT     NOT NULL,
			lease_until   {millis} NOT NULL, -- also "not before" while a failed removal waits to be retried
			attempts      INTEGER  NOT NULL, -- removals that failed
			ended_at      {millis} NOT NULL,
			problem_kind  TEXT     NOT NULL, -- the last failure
			detail        TEXT     NOT NULL,
			posted        INTEGER  NOT NULL, -- people were told (or the bot gave up telling them)
			post_attempts INTEGER  NOT NULL,
			PRIMARY KEY (store_id, app_id, otp_user_id)
		) {strict};
		CREATE INDEX access_ends_due ON access_ends (state, ends_at);`,
	},
	// v5: asks for testers put to the QA leads (issue 12), kept forever with who asked, who
	// decided and when. ask_pending holds each address of a pending ask for its store and app,
	// so two asks never wait on one tester: its key is taken with INSERT … ON CONFLICT, and the
	// row goes when the ask is decided or expires.
	{
		ddl: `CREATE TABLE asks (
			id              TEXT     PRIMARY KEY,
			created_at      {millis} NOT NULL,
			expires_at      {millis} NOT NULL,
			requester_id    TEXT     NOT NULL,
			channel_id      TEXT     NOT NULL,
			store_id        TEXT     NOT NULL,
			app_id          TEXT     NOT NULL,
			app_name        TEXT     NOT NULL,
			emails          TEXT     NOT NULL, -- a JSON array, in the ask's order
			downloads       INTEGER  NOT NULL,
			access_for      {millis} NOT NULL, -- milliseconds, 0 for access that does not end
			reason          TEXT     NOT NULL,
			state           TEXT     NOT NULL, -- pending, approved, denied or expired
			message_channel TEXT     NOT NULL,
			message_ts      TEXT     NOT NULL,
			decided_by      TEXT     NOT NULL,
			decided_at      {millis} NOT NULL, -- 0 while pending
			deny_reason     TEXT     NOT NULL,
			request_id      TEXT     NOT NULL  -- the invite request started on approval
		) {strict};
		CREATE INDEX asks_state_expires ON asks (state, expires_at);
		CREATE INDEX asks_requester_created ON asks (requester_id, created_at);
		CREATE TABLE ask_pending (
			store_id  TEXT NOT NULL,
			app_id    TEXT NOT NULL,
			email_key TEXT NOT NULL, -- the address lower-cased
			ask_id    TEXT NOT NULL,
			PRIMARY KEY (store_id, app_id, email_key)
		) {strict};
		CREATE INDEX ask_pending_ask ON ask_pending (ask_id);`,
	},
	// v6: an invite that created a tester again because Applivery no longer had the one an
	// earlier invite made (removed by hand, or by Applivery itself) says so (issue 15).
	{
		ddl: `ALTER TABLE invite_emails ADD COLUMN was_gone INTEGER NOT NULL DEFAULT 0;`,
	},
	// v7: people who asked for an address already waiting in someone else's ask join that ask
	// (issue 17), so the leads see every asker; one row per person and ask, taken with INSERT …
	// ON CONFLICT DO NOTHING.
	{
		ddl: `CREATE TABLE ask_joiners (
			ask_id       TEXT     NOT NULL,
			requester_id TEXT     NOT NULL,
			joined_at    {millis} NOT NULL,
			PRIMARY KEY (ask_id, requester_id)
		) {strict};`,
	},
	// v8: the outbox (issue 16). Every Slack write after an ack is saved here under its
	// idempotency key before it is sent, and kept until it is sent; outbox_lanes leases each lane
	// (a channel's posts, its edits, one address's DM) to one sender at a time across replicas, so
	// Slack's pace per channel holds. A request says whether its testers get a DM.
	{
		ddl: `CREATE TABLE outbox (
			msg_key     TEXT     PRIMARY KEY,
			ord         TEXT     {bytewise} NOT NULL, -- order of enqueueing, as text
			kind        TEXT     NOT NULL, -- post, update or respond
			channel     TEXT     NOT NULL,
			to_email    TEXT     NOT NULL,
			thread      TEXT     NOT NULL,
			thread_of   TEXT     NOT NULL,
			target_ts   TEXT     NOT NULL,
			edit_of     TEXT     NOT NULL,
			body_text   TEXT     NOT NULL,
			blocks      TEXT     NOT NULL,
			url         TEXT     NOT NULL, -- a response_url; cleared once sent
			priority    INTEGER  NOT NULL,
			replaces    INTEGER  NOT NULL,
			grp         TEXT     NOT NULL,
			asker       TEXT     NOT NULL,
			asker_url   TEXT     NOT NULL,
			state       TEXT     NOT NULL, -- pending, sent, failed, split or dropped
			version     INTEGER  NOT NULL,
			attempts    INTEGER  NOT NULL,
			not_before  {millis} NOT NULL,
			sent_ts     TEXT     NOT NULL,
			error       TEXT     NOT NULL,
			created_at  {millis} NOT NULL,
			finished_at {millis} NOT NULL
		) {strict};
		CREATE INDEX outbox_pending ON outbox (state, priority, ord);
		CREATE TABLE outbox_lanes (
			lane        TEXT     PRIMARY KEY,
			owner       TEXT     NOT NULL,
			lease_until {millis} NOT NULL
		) {strict};
		ALTER TABLE invite_requests ADD COLUMN notify_testers INTEGER NOT NULL DEFAULT 0;`,
	},
	// v9: one row that readiness rewrites now and then (Store.ProbeWrite, issue 18): a read
	// answers on a read-only file or a full disk, a write does not.
	{
		ddl: `CREATE TABLE write_probe (
			id INTEGER  PRIMARY KEY,
			at {millis} NOT NULL
		) {strict};`,
	},
}

var createSchemaMigrations = step{ddl: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at TEXT NOT NULL
	) {strict}`}

// migrate brings the database up to len(steps), applying each missing step
// in its own transaction together with its schema_migrations row, so a
// failure leaves the database at the last fully applied version. Every
// transaction here takes the migration lock first, so concurrent migrators
// (replicas starting together) apply each step exactly once.
func (s *Store) migrate(ctx context.Context, steps []step) error {
	err := s.inMigrationTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, createSchemaMigrations.sql(s.dialect))
		return err
	})
	if err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	for i, st := range steps {
		if err := s.applyStep(ctx, i+1, st.sql(s.dialect)); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	return s.refuseNewerSchema(ctx, len(steps))
}

// applyStep runs ddl as version unless it is already recorded. The check
// happens under the migration lock, so two processes cannot both apply it.
func (s *Store) applyStep(ctx context.Context, version int, ddl string) error {
	return s.inMigrationTx(ctx, func(tx *sql.Tx) error {
		var applied bool
		err := tx.QueryRowContext(ctx, s.rebind(
			`SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?)`), version).Scan(&applied)
		if err != nil {
			return fmt.Errorf("check: %w", err)
		}
		if applied {
			return nil
		}
		if _, err := tx.ExecContext(ctx, ddl); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.rebind(
			`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`),
			version, formatTime(time.Now())); err != nil {
			return fmt.Errorf("record: %w", err)
		}
		return nil
	})
}

// inMigrationTx is inTx holding the migration lock.
func (s *Store) inMigrationTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.dialect.lockMigrations(ctx, tx); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		return fn(tx)
	})
}

// refuseNewerSchema fails when the database was migrated by a newer build:
// this build cannot know what the extra steps changed, so writing could
// corrupt their meaning. Roll forward, or restore a backup taken before the
// upgrade.
func (s *Store) refuseNewerSchema(ctx context.Context, known int) error {
	var newest int
	err := s.db.QueryRowContext(ctx,
		`SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&newest)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if newest > known {
		return fmt.Errorf("database schema version %d is newer than this build knows (%d)", newest, known)
	}
	return nil
}
