package audit

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Backup writes a consistent snapshot of the log to destPath while the store
// stays in use, and refuses to overwrite an existing file.
//
// It uses VACUUM INTO, which copies from one read transaction (so the
// snapshot includes every commit still sitting in the WAL) and compacts as it
// goes. The copy is built under a temporary name next to destPath, fsynced
// (VACUUM INTO itself does not sync its output) and only then renamed, so
// destPath never names a half-written file. Writers wait while the copy runs,
// which takes milliseconds for a log of this size.
func (s *Store) Backup(ctx context.Context, destPath string) error {
	if err := s.backup(ctx, destPath); err != nil {
		return fmt.Errorf("audit: backup: %w", err)
	}
	return nil
}

func (s *Store) backup(ctx context.Context, destPath string) error {
	if _, err := os.Lstat(destPath); err == nil {
		return fmt.Errorf("%s: %w", destPath, fs.ErrExist)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	tmp, err := reserveTempName(destPath)
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // no-op once renamed
	if _, err := s.db.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		return err
	}
	if err := syncFile(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, destPath); err != nil {
		return err
	}
	return syncFile(filepath.Dir(destPath)) // make the rename itself durable
}

// reserveTempName creates an empty, uniquely named file beside destPath (so
// the final rename stays on one filesystem). VACUUM INTO accepts an empty
// file as its target. The name is absolute so SQLite can never mistake it
// for a "file:" URI.
func reserveTempName(destPath string) (string, error) {
	abs, err := filepath.Abs(destPath)
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(filepath.Dir(abs), "."+filepath.Base(abs)+".partial-*")
	if err != nil {
		return "", err
	}
	name := f.Name()
	if err := f.Close(); err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

// syncFile fsyncs a file or a directory.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
