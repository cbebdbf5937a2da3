package store

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"modernc.org/sqlite" // also registers the pure-Go "sqlite" driver; no cgo
	sqlite3 "modernc.org/sqlite/lib"
)

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
	"_busy_timeout": {"5000"}, // milliseconds, as busyTimeout
	"_journal_mode": {"WAL"},
	"_foreign_keys": {"1"},
	"_synchronous":  {"FULL"},
	"_txlock":       {"immediate"},
}

const busyTimeout = 5 * time.Second

// openSQLite opens the file at path, a filesystem path whose directory must
// already exist, and reports whether it created the file.
//
// The pool holds a single connection. SQLite admits one writer at a time
// anyway; funnelling this process's writes through one connection turns lock
// contention into an orderly Go-side queue that honours each caller's context
// and can never surface SQLITE_BUSY. Reads are sub-millisecond at this scale.
func openSQLite(ctx context.Context, path string) (*sql.DB, bool, error) {
	dsn, err := dataSourceName(path)
	if err != nil {
		return nil, false, err
	}
	created, err := createPrivate(path)
	if err != nil {
		return nil, false, err
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, false, err
	}
	db.SetMaxOpenConns(1)
	if err := connectFirst(ctx, db); err != nil {
		db.Close()
		return nil, false, err
	}
	return db, created, nil
}

// connectFirst opens the pool's connection, retrying while SQLite reports
// the file busy, for up to busyTimeout. The first connection to a new file
// switches it to WAL, and that switch cannot wait in busy_timeout: it
// upgrades a read lock, so SQLite fails at once rather than risk a deadlock.
// Processes that create the file together could otherwise fail to open it.
func connectFirst(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(busyTimeout)
	for {
		err := db.PingContext(ctx)
		if !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		retry := time.NewTimer(10 * time.Millisecond)
		select {
		case <-ctx.Done():
			retry.Stop()
			return ctx.Err()
		case <-retry.C:
		}
	}
}

func isBusy(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_BUSY
}

// dataSourceName turns path into a file: URI carrying connParams. The URI
// form, with the path percent-escaped, keeps a '?' or '#' in a directory name
// from being read as the start of the driver's parameters.
func dataSourceName(path string) (string, error) {
	if path == "" || path == ":memory:" {
		// An in-memory database would silently vanish with its connection;
		// the store must be a file.
		return "", errors.New("path must name a file")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: connParams.Encode()}
	return u.String(), nil
}

// createPrivate creates the database file, readable and writable by its
// owner only, unless it already exists (an existing file keeps the mode its
// operator chose). It must exist before SQLite opens it: SQLite would create
// it world-readable, and it gives the -wal and -shm files it creates later
// the database file's mode, so this keeps all three private. The file holds
// testers' email addresses. It reports whether the database is new: the file was missing or empty.
func createPrivate(path string) (bool, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		info, err := os.Stat(path)
		return err == nil && info.Size() == 0, err // an empty file holds no database yet
	}
	if err != nil {
		return false, err
	}
	return true, f.Close()
}
