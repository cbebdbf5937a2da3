package audit

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func appliedVersions(t *testing.T, s *Store) map[int]string {
	t.Helper()
	rows, err := s.db.Query(`SELECT version, applied_at FROM schema_migrations`)
	require.NoError(t, err)
	defer rows.Close()
	applied := map[int]string{}
	for rows.Next() {
		var v int
		var at string
		require.NoError(t, rows.Scan(&v, &at))
		applied[v] = at
	}
	require.NoError(t, rows.Err())
	return applied
}

func TestReopenAppliesOnlyNewMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "invites.db")
	s, err := Open(ctx, path)
	require.NoError(t, err)
	firstRun := appliedVersions(t, s)
	require.Len(t, firstRun, len(migrations))

	// A later build adds a step; a step that ran twice would fail here
	// because its CREATE TABLE has no IF NOT EXISTS.
	next := append(append([]string{}, migrations...), `CREATE TABLE added_later (x INTEGER)`)
	require.NoError(t, migrate(ctx, s.db, next))
	require.NoError(t, migrate(ctx, s.db, next))

	secondRun := appliedVersions(t, s)
	require.Len(t, secondRun, len(next))
	for v, at := range firstRun {
		require.Equal(t, at, secondRun[v], "version %d was not re-applied", v)
	}
	require.NoError(t, s.Close())
}

func TestOpenRefusesSchemaFromNewerBuild(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "invites.db")
	s, err := Open(ctx, path)
	require.NoError(t, err)
	require.NoError(t, migrate(ctx, s.db, append(append([]string{}, migrations...), `SELECT 1`)))
	require.NoError(t, s.Close())

	_, err = Open(ctx, path)
	require.ErrorContains(t, err, "newer than this build")
}

// The durability and concurrency claims rest on these settings reaching the
// connection, so check them on the connection itself.
func TestConnectionSettings(t *testing.T) {
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "invites.db"))
	require.NoError(t, err)
	defer s.Close()

	for pragma, want := range map[string]string{
		"journal_mode": "wal",
		"busy_timeout": "5000",
		"foreign_keys": "1",
		"synchronous":  "2", // FULL
	} {
		var got string
		require.NoError(t, s.db.QueryRow("PRAGMA "+pragma).Scan(&got))
		require.Equal(t, want, got, pragma)
	}
}
