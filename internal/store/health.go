package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// The store's health, beyond "does it answer": can it write, and is the SQLite file it writes
// still the one at its path. A read (Ping) answers on a read-only file, a full disk or an
// unlinked file alike, and each of those loses what the bot promises people.

// WriteFault is a cause of failed writes that a person must fix and that can be named.
type WriteFault int

const (
	// NoFault: the error is not one of the named causes (or there is no error).
	NoFault WriteFault = iota
	// ReadOnly: the file, its directory or its file system refuses writes (permissions, a
	// read-only mount, a PostgreSQL server in recovery or read-only mode).
	ReadOnly
	// DiskFull: the disk (or quota) is full.
	DiskFull
)

// String is the short name operators read in /readyz and the log.
func (f WriteFault) String() string {
	switch f {
	case ReadOnly:
		return "read-only"
	case DiskFull:
		return "disk full"
	}
	return ""
}

// PostgreSQL's SQLSTATE codes for the two faults.
const (
	pgReadOnlyTransaction = "25006" // read_only_sql_transaction: a standby, or default_transaction_read_only
	pgDiskFull            = "53100" // disk_full
)

// FaultOf names the cause of a failed database operation, when it is one a person must fix.
func FaultOf(err error) WriteFault {
	if err == nil {
		return NoFault
	}
	if e, ok := errors.AsType[*sqlite.Error](err); ok {
		switch e.Code() & 0xff {
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM:
			return ReadOnly
		case sqlite3.SQLITE_FULL:
			return DiskFull
		}
	}
	if e, ok := errors.AsType[*pgconn.PgError](err); ok {
		switch e.Code {
		case pgReadOnlyTransaction:
			return ReadOnly
		case pgDiskFull:
			return DiskFull
		}
	}
	switch {
	case errors.Is(err, syscall.EROFS), errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return ReadOnly
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return DiskFull
	}
	return NoFault
}

// ProbeWrite makes one small write, in a table of its own, to learn whether the database still
// takes writes: for readiness, and at start. Its error names the database; FaultOf names the
// cause when it is one.
func (s *Store) ProbeWrite(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, s.rebind(`INSERT INTO write_probe (id, at) VALUES (1, ?)
		ON CONFLICT (id) DO UPDATE SET at = excluded.at`), toMillis(time.Now()))
	if err != nil {
		return fmt.Errorf("store: write to %s: %w", s.name, err)
	}
	return nil
}

// ErrFileReplaced: the SQLite file at the configured path is not the one the store has open:
// deleted (its directory or volume too, perhaps) or replaced. Writes still succeed, into a file
// nobody will ever open again.
var ErrFileReplaced = errors.New("store: the SQLite file at its path is no longer the one open")

// Created reports whether Open created the SQLite database: its file was missing or empty.
// That is the first start, or a lost volume.
func (s *Store) Created() bool { return s.created }

// CheckFile compares the file now at the SQLite path with the one opened (device and inode).
// It returns nil for PostgreSQL, and an error matching ErrFileReplaced when they differ or the
// path is gone.
func (s *Store) CheckFile() error {
	if s.file == nil {
		return nil
	}
	now, err := os.Stat(s.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%w: %s was deleted (or its directory or volume) while open", ErrFileReplaced, s.path)
	case err != nil:
		return fmt.Errorf("store: stat %s: %w", s.path, err)
	case !os.SameFile(s.file, now):
		return fmt.Errorf("%w: %s was replaced by another file while open", ErrFileReplaced, s.path)
	}
	return nil
}
