package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
)

// Store is the bot's database. It is safe for concurrent use by many
// goroutines, and several processes may share one database.
type Store struct {
	db      *sql.DB
	dialect dialect
	name    string // Config.String, for errors

	// SQLite only: the file opened, to tell when the path no longer leads to it (CheckFile).
	path    string
	file    os.FileInfo
	created bool // Open created the file
}

// Config says which database Open opens: PostgreSQL when PostgresURL is set,
// otherwise the SQLite file at SQLitePath. Setting both is an error.
//
// Config prints (%v, %+v, %#v) as String, never with the URL.
type Config struct {
	// PostgresURL is a postgres:// or postgresql:// URL, in any form pgx
	// accepts (sslmode and other parameters included). It may hold a
	// password, so it is never printed, logged or quoted in errors.
	PostgresURL string
	// SQLitePath is the SQLite file, created if missing. Its directory must
	// already exist.
	SQLitePath string
}

// String names the database for logs and error messages: "postgres" or
// "sqlite" with the file's path.
func (c Config) String() string {
	if c.PostgresURL != "" {
		return "postgres"
	}
	return "sqlite " + c.SQLitePath
}

// GoString keeps %#v from printing the URL.
func (c Config) GoString() string { return "store.Config{" + c.String() + "}" }

// Open opens (creating if needed) the database cfg names and applies any
// schema migrations this build knows and the database lacks.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	s, err := open(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", cfg, err)
	}
	return s, nil
}

func open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.PostgresURL != "" && cfg.SQLitePath != "" {
		return nil, errors.New("set either a PostgreSQL URL or a SQLite path, not both")
	}
	s := &Store{dialect: sqliteDialect, name: cfg.String()}
	var err error
	if cfg.PostgresURL != "" {
		s.dialect = postgresDialect
		s.db, err = openPostgres(ctx, cfg.PostgresURL)
	} else {
		s.path = cfg.SQLitePath
		s.db, s.created, err = openSQLite(ctx, cfg.SQLitePath)
	}
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx, migrations); err != nil {
		s.db.Close()
		return nil, err
	}
	if s.path != "" {
		// The file SQLite has just opened is the one at the path now.
		if s.file, err = os.Stat(s.path); err != nil {
			s.db.Close()
			return nil, err
		}
	}
	return s, nil
}

// inTx runs fn in a transaction, committing when fn returns nil and rolling
// back otherwise. Queries inside fn go through s.rebind like any other.
//
// SQLite transactions begin IMMEDIATE (see connParams): they hold the file's
// write lock from the start, so they never fail half-way upgrading a read
// lock, and they are serializable. PostgreSQL transactions run at its
// default, READ COMMITTED, on purpose: SERIALIZABLE would oblige every caller
// to retry serialization failures. Code that must not lose a race writes
// instead in a way that is atomic at that level in both databases: INSERT …
// ON CONFLICT, or UPDATE … WHERE <expected state> and a check of the rows
// affected (or RETURNING). SELECT … FOR UPDATE is not an option: SQLite lacks
// it.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// rebind adapts a query written with ? placeholders to the store's database.
func (s *Store) rebind(query string) string { return s.dialect.rebind(query) }

// Ping checks that the database still answers, for a readiness probe. It
// runs a real query rather than sql.DB.Ping, which would succeed on an idle
// connection without touching the data. Its error names the database.
func (s *Store) Ping(ctx context.Context) error {
	var version int
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
		return fmt.Errorf("store: ping %s: %w", s.name, err)
	}
	return nil
}

// Close releases the database. Once the last connection to a SQLite file
// closes, SQLite checkpoints the WAL into the main file. Close is idempotent.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}
