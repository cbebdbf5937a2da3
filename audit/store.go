package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver; no cgo
)

// Store is the audit log. It is safe for concurrent use by many goroutines.
type Store struct {
	db *sql.DB
}

// connParams are applied by the driver to every connection it opens, so no
// connection can ever run without them:
//   - WAL lets readers (backups, sqlite3 on the host) work alongside writes;
//   - busy_timeout makes a writer from another process wait instead of
//     failing with SQLITE_BUSY;
//   - synchronous=FULL fsyncs every commit: an audit row must survive a power
//     cut, and invites are far too rare for the cost to matter;
//   - txlock=immediate takes the write lock at BEGIN, where busy_timeout
//     applies, rather than at the first write, where SQLite may fail at once.
var connParams = url.Values{
	"_busy_timeout": {"5000"},
	"_journal_mode": {"WAL"},
	"_foreign_keys": {"1"},
	"_synchronous":  {"FULL"},
	"_txlock":       {"immediate"},
}

// Open opens (creating if needed) the audit log at path, a filesystem path
// whose directory must already exist, and applies any schema migrations this
// build knows and the file lacks.
//
// The pool holds a single connection. SQLite admits one writer at a time
// anyway; funnelling this process's writes through one connection turns lock
// contention into an orderly Go-side queue that honours each caller's context
// and can never surface SQLITE_BUSY. Reads are sub-millisecond at this scale.
func Open(ctx context.Context, path string) (*Store, error) {
	dsn, err := dataSourceName(path)
	if err != nil {
		return nil, fmt.Errorf("audit: open: %w", err)
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("audit: open: %w", err)
	}
	db.SetMaxOpenConns(1)
	if err := migrate(ctx, db, migrations); err != nil {
		db.Close()
		return nil, fmt.Errorf("audit: open %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// dataSourceName turns path into a file: URI carrying connParams. The URI
// form, with the path percent-escaped, keeps a '?' or '#' in a directory name
// from being read as the start of the driver's parameters.
func dataSourceName(path string) (string, error) {
	if path == "" || path == ":memory:" {
		// An in-memory database would silently vanish with its connection;
		// an audit log must be a file.
		return "", errors.New("path must name a file")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: connParams.Encode()}
	return u.String(), nil
}

// Ping checks that the log file is still readable, for a readiness probe. It
// runs a real query rather than sql.DB.Ping, which would succeed on an idle
// connection without touching the file.
func (s *Store) Ping(ctx context.Context) error {
	var version int
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
		return fmt.Errorf("audit: ping: %w", err)
	}
	return nil
}

// Close releases the file. Once the last connection to the file closes,
// SQLite checkpoints the WAL into the main file. Close is idempotent.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("audit: close: %w", err)
	}
	return nil
}
