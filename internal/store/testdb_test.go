package store

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/internal/pgtest"
)

// forEachConfig runs test once per database the store supports, each time
// against a fresh, empty database. The postgres run skips when no server is
// reachable, except under CI=true (see pgtest).
func forEachConfig(t *testing.T, test func(t *testing.T, cfg Config)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { test(t, sqliteConfig(t)) })
	t.Run("postgres", func(t *testing.T) { test(t, postgresConfig(t)) })
}

// forEachDB is forEachConfig with the store already open.
func forEachDB(t *testing.T, test func(t *testing.T, s *Store)) {
	t.Helper()
	forEachConfig(t, func(t *testing.T, cfg Config) { test(t, openForTest(t, cfg)) })
}

// sqliteConfig names a fresh file in a per-test directory.
func sqliteConfig(t testing.TB) Config {
	return Config{SQLitePath: filepath.Join(t.TempDir(), "invites.db")}
}

// postgresConfig names a new database on the test server.
func postgresConfig(t testing.TB) Config {
	return Config{PostgresURL: pgtest.NewDatabase(t)}
}

// openForTest opens cfg and closes the store when the test ends.
func openForTest(t testing.TB, cfg Config) *Store {
	t.Helper()
	s, err := Open(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}
