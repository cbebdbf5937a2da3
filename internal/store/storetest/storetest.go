// Package storetest opens throwaway databases for tests: a SQLite file in the test's temporary
// directory, or a new PostgreSQL database on the test server (see internal/pgtest), each
// closed when the test ends.
package storetest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/internal/pgtest"
	"github.com/testerbot/testerbot/internal/store"
)

// SQLite names a fresh SQLite file in the test's temporary directory.
func SQLite(t testing.TB) store.Config {
	return store.Config{SQLitePath: filepath.Join(t.TempDir(), "invites.db")}
}

// Postgres names a new database on the test's PostgreSQL server; without one the test is
// skipped (or fails under CI=true).
func Postgres(t testing.TB) store.Config {
	return store.Config{PostgresURL: pgtest.NewDatabase(t)}
}

// Open opens cfg, migrated, and closes it when the test ends. Call it once per process a test
// plays: two stores opened on one cfg are two replicas.
func Open(t testing.TB, cfg store.Config) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// ForEachConfig runs test as two subtests, on a fresh SQLite file and on a fresh PostgreSQL
// database, so every behaviour is checked on both.
func ForEachConfig(t *testing.T, test func(t *testing.T, cfg store.Config)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { test(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { test(t, Postgres(t)) })
}

// ForEachDB is ForEachConfig with the store already open.
func ForEachDB(t *testing.T, test func(t *testing.T, s *store.Store)) {
	t.Helper()
	ForEachConfig(t, func(t *testing.T, cfg store.Config) { test(t, Open(t, cfg)) })
}
