package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Store is the bot's database. It is safe for concurrent use by many
// goroutines.
type Store struct {
	db *sql.DB
}

// Config says which database Open opens.
type Config struct {
	// SQLitePath is the SQLite file, created if missing. Its directory must
	// already exist.
	SQLitePath string
}

// String names the database for logs and error messages.
func (c Config) String() string {
	return "sqlite " + c.SQLitePath
}

// Open opens (creating if needed) the database cfg names and applies any
// schema migrations this build knows and the database lacks.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	db, err := openSQLite(ctx, cfg.SQLitePath)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", cfg, err)
	}
	s := &Store{db: db}
	if err := s.migrate(ctx, migrations); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", cfg, err)
	}
	return s, nil
}

// inTx runs fn in a transaction, committing when fn returns nil and rolling
// back otherwise. SQLite transactions begin IMMEDIATE (see connParams): they
// hold the file's write lock from the start, so they never fail half-way
// upgrading a read lock.
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

// Ping checks that the database still answers, for a readiness probe. It
// runs a real query rather than sql.DB.Ping, which would succeed on an idle
// connection without touching the data.
func (s *Store) Ping(ctx context.Context) error {
	var version int
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
		return fmt.Errorf("store: ping: %w", err)
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
