package store

import (
	"errors"
	"fmt"
	"os"
)

// A SQLite file serves one process: two processes on one file would both resume the same
// unfinished invites and both answer Slack, and nothing in SQLite says no. LockSQLite makes the
// rule hold: the process that runs the bot takes an exclusive lock on a file beside the
// database for as long as it runs. (Tools that only read, and tests that play two processes
// in one, open the store without it.) The lock is flock(2), which the kernel releases when the
// process ends, however it ends: a SIGKILL leaves no stale lock behind.

// ErrLocked: another process holds the lock of the SQLite file.
var ErrLocked = errors.New("store: another process holds the SQLite file's lock")

// FileLock is a held lock; Unlock releases it.
type FileLock struct{ f *os.File }

// LockPath is the lock file of the SQLite file at path.
func LockPath(path string) string { return path + ".lock" }

// LockSQLite takes the exclusive lock of the SQLite file at path, without waiting: when
// another process holds it, the error matches ErrLocked.
func LockSQLite(path string) (*FileLock, error) {
	name := LockPath(path)
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: lock file: %w", err)
	}
	if err := flock(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("store: lock %s: %w", name, err)
	}
	return &FileLock{f: f}, nil
}

// Unlock releases the lock. The lock file stays: removing it would let a process that opened
// it just before lock a file nobody else sees.
func (l *FileLock) Unlock() error {
	if l == nil {
		return nil
	}
	return l.f.Close() // closing the only descriptor releases the flock
}
