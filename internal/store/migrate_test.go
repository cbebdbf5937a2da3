package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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

// withExtraStep is the schema history of a later build that added one step,
// written in SQL both databases accept.
func withExtraStep(ddl string) []step {
	return append(append([]step{}, migrations...), step{ddl: ddl})
}

// Every placeholder in a step is filled in for both databases: a misspelt one would reach the
// database as it is.
func TestEveryPlaceholderIsFilledInForBothDatabases(t *testing.T) {
	t.Parallel()
	for i, st := range append([]step{createSchemaMigrations}, migrations...) {
		for _, d := range []dialect{sqliteDialect, postgresDialect} {
			require.NotContains(t, st.sql(d), "{", "step %d", i)
		}
	}
}

func TestReopenAppliesOnlyNewMigrations(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		firstRun := appliedVersions(t, s)
		require.Len(t, firstRun, len(migrations))

		// A later build adds a step; a step that ran twice would fail here
		// because its CREATE TABLE has no IF NOT EXISTS.
		next := withExtraStep(`CREATE TABLE added_later (x INTEGER)`)
		require.NoError(t, s.migrate(ctx, next))
		require.NoError(t, s.migrate(ctx, next))

		secondRun := appliedVersions(t, s)
		require.Len(t, secondRun, len(next))
		for v, at := range firstRun {
			require.Equal(t, at, secondRun[v], "version %d was not re-applied", v)
		}
	})
}

func TestOpenRefusesSchemaFromNewerBuild(t *testing.T) {
	t.Parallel()
	forEachConfig(t, func(t *testing.T, cfg Config) {
		ctx := context.Background()
		s, err := Open(ctx, cfg)
		require.NoError(t, err)
		require.NoError(t, s.migrate(ctx, withExtraStep(`SELECT 1`)))
		require.NoError(t, s.Close())

		_, err = Open(ctx, cfg)
		require.ErrorContains(t, err, "newer than this build")
	})
}

// A failing step leaves the database at the last complete version, with no
// trace of the step's own statements.
func TestFailedMigrationLeavesNothingBehind(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		err := s.migrate(ctx, withExtraStep(`CREATE TABLE half_done (x INTEGER); CREATE TABLE half_done (x INTEGER)`))
		require.ErrorContains(t, err, fmt.Sprintf("migration %d", len(migrations)+1))
		require.Len(t, appliedVersions(t, s), len(migrations))

		_, err = s.db.Exec(`SELECT x FROM half_done`)
		require.Error(t, err, "the first statement of the failed step was rolled back")
	})
}

// Several processes (replicas) start together on one new database: each must
// open it, and every step must be applied exactly once.
func TestConcurrentOpensMigrateOnce(t *testing.T) {
	t.Parallel()
	forEachConfig(t, func(t *testing.T, cfg Config) {
		const replicas = 5
		stores := make(chan *Store, replicas)
		errs := make(chan error, replicas)
		for range replicas {
			go func() {
				s, err := Open(context.Background(), cfg)
				if err != nil {
					errs <- err
					return
				}
				stores <- s
			}()
		}
		for range replicas {
			select {
			case err := <-errs:
				require.NoError(t, err)
			case s := <-stores:
				t.Cleanup(func() { s.Close() })
				require.Len(t, appliedVersions(t, s), len(migrations))
			}
		}
	})
}

func TestInTxCommitsOnlyWhenFnSucceeds(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		_, err := s.db.ExecContext(ctx, `CREATE TABLE scratch (x INTEGER)`)
		require.NoError(t, err)
		insert := func(x int, fail error) error {
			return s.inTx(ctx, func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO scratch (x) VALUES (?)`), x); err != nil {
					return err
				}
				return fail
			})
		}
		boom := errors.New("boom")
		require.ErrorIs(t, insert(1, boom), boom)
		require.NoError(t, insert(2, nil))

		var xs []int
		rows, err := s.db.QueryContext(ctx, `SELECT x FROM scratch`)
		require.NoError(t, err)
		defer rows.Close()
		for rows.Next() {
			var x int
			require.NoError(t, rows.Scan(&x))
			xs = append(xs, x)
		}
		require.NoError(t, rows.Err())
		require.Equal(t, []int{2}, xs, "only the transaction whose fn succeeded is kept")
	})
}

// inTx's contract with future code: PostgreSQL transactions are READ
// COMMITTED, so nothing needs retrying on serialization failures.
func TestPostgresTransactionsAreReadCommitted(t *testing.T) {
	t.Parallel()
	s := openForTest(t, postgresConfig(t))
	err := s.inTx(context.Background(), func(tx *sql.Tx) error {
		var level string
		require.NoError(t, tx.QueryRow(`SHOW transaction_isolation`).Scan(&level))
		require.Equal(t, "read committed", level)
		return nil
	})
	require.NoError(t, err)
}

// The durability and concurrency claims rest on these settings reaching the
// connection, so check them on the connection itself.
func TestSQLiteConnectionSettings(t *testing.T) {
	t.Parallel()
	s := openForTest(t, sqliteConfig(t))
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
