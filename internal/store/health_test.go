package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/internal/store"
	"github.com/testerbot/testerbot/internal/store/storetest"
	"github.com/testerbot/testerbot/internal/tmpfs"
)

func TestProbeWriteSucceedsOnAWritableDatabase(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		require.NoError(t, s.ProbeWrite(context.Background()))
		require.NoError(t, s.ProbeWrite(context.Background()), "the second probe rewrites the same row")
	})
}

func TestProbeWriteOnAFullDiskNamesTheCause(t *testing.T) {
	t.Parallel()
	dir := tmpfs.Mount(t, 1024)
	s := storetest.Open(t, store.Config{SQLitePath: filepath.Join(dir, "invites.db")})
	require.NoError(t, s.ProbeWrite(context.Background()))
	require.NoError(t, s.Ping(context.Background()))

	tmpfs.Fill(t, dir)

	err := s.ProbeWrite(context.Background())
	require.Error(t, err)
	assert.Equal(t, store.DiskFull, store.FaultOf(err), err.Error())
	assert.NoError(t, s.Ping(context.Background()), "a read still answers: only the write probe tells")
}

func TestOpeningOnAReadOnlyFileSystemNamesTheCause(t *testing.T) {
	t.Parallel()
	dir := tmpfs.Mount(t, 1024)
	cfg := store.Config{SQLitePath: filepath.Join(dir, "invites.db")}
	storetest.Open(t, cfg).Close()
	tmpfs.ReadOnly(t, dir)

	_, err := store.LockSQLite(cfg.SQLitePath)

	require.Error(t, err)
	assert.Equal(t, store.ReadOnly, store.FaultOf(err), err.Error())
}

func TestFaultOfNamesEachCause(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err  error
		want store.WriteFault
	}{
		{nil, store.NoFault},
		{errors.New("connection refused"), store.NoFault},
		{fmt.Errorf("open: %w", syscall.EROFS), store.ReadOnly},
		{fmt.Errorf("open: %w", syscall.EACCES), store.ReadOnly},
		{fmt.Errorf("write: %w", syscall.ENOSPC), store.DiskFull},
		{fmt.Errorf("store: x: %w", &pgconn.PgError{Code: "25006"}), store.ReadOnly},
		{fmt.Errorf("store: x: %w", &pgconn.PgError{Code: "53100"}), store.DiskFull},
		{&pgconn.PgError{Code: "23505"}, store.NoFault},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, store.FaultOf(c.err), "%v", c.err)
	}
	assert.Equal(t, "read-only", store.ReadOnly.String())
	assert.Equal(t, "disk full", store.DiskFull.String())
}

func TestCheckFileNoticesADeletedDirectory(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	require.NoError(t, os.Mkdir(dir, 0o700))
	s := storetest.Open(t, store.Config{SQLitePath: filepath.Join(dir, "invites.db")})
	require.NoError(t, s.CheckFile())

	require.NoError(t, os.RemoveAll(dir))

	err := s.CheckFile()
	require.ErrorIs(t, err, store.ErrFileReplaced)
	assert.Contains(t, err.Error(), "was deleted")
	assert.NoError(t, s.ProbeWrite(context.Background()), "SQLite goes on writing into the unlinked file, which is why the check exists")
}

func TestCheckFileNoticesAReplacedFile(t *testing.T) {
	t.Parallel()
	cfg := storetest.SQLite(t)
	s := storetest.Open(t, cfg)
	other := cfg.SQLitePath + ".restored"
	require.NoError(t, os.WriteFile(other, nil, 0o600))

	require.NoError(t, os.Rename(other, cfg.SQLitePath))

	err := s.CheckFile()
	require.ErrorIs(t, err, store.ErrFileReplaced)
	assert.Contains(t, err.Error(), "was replaced")
}

func TestCheckFileIsNilForPostgres(t *testing.T) {
	t.Parallel()
	assert.NoError(t, storetest.Open(t, storetest.Postgres(t)).CheckFile())
}

func TestCreatedSaysWhetherTheDatabaseIsNew(t *testing.T) {
	t.Parallel()
	cfg := storetest.SQLite(t)
	first, err := store.Open(context.Background(), cfg)
	require.NoError(t, err)
	assert.True(t, first.Created())
	require.NoError(t, first.Close())

	again := storetest.Open(t, cfg)
	assert.False(t, again.Created())

	empty := storetest.SQLite(t)
	require.NoError(t, os.WriteFile(empty.SQLitePath, nil, 0o600))
	assert.True(t, storetest.Open(t, empty).Created(), "an empty file holds no database")
}

func TestASecondLockOnOneSQLiteFileIsRefused(t *testing.T) {
	t.Parallel()
	cfg := storetest.SQLite(t)
	first, err := store.LockSQLite(cfg.SQLitePath)
	require.NoError(t, err)

	_, err = store.LockSQLite(cfg.SQLitePath)
	require.ErrorIs(t, err, store.ErrLocked)
	assert.Contains(t, err.Error(), store.LockPath(cfg.SQLitePath))

	require.NoError(t, first.Unlock())
	again, err := store.LockSQLite(cfg.SQLitePath)
	require.NoError(t, err, "released on unlock")
	require.NoError(t, again.Unlock())
}
