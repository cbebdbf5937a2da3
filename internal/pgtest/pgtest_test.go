package pgtest_test

import (
	"database/sql"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/internal/pgtest"
)

func TestNewDatabaseIsUsableAndDroppedAfterTheTest(t *testing.T) {
	var dbURL string
	var forgotten *sql.DB
	t.Run("inner", func(t *testing.T) {
		dbURL = pgtest.NewDatabase(t)
		_, err := open(t, dbURL).Exec(`CREATE TABLE t (x INTEGER)`)
		require.NoError(t, err)
		// A connection still open when the test ends must not keep the
		// database alive.
		forgotten, err = sql.Open("pgx", dbURL)
		require.NoError(t, err)
		require.NoError(t, forgotten.Ping())
	})
	if dbURL == "" {
		t.Skip("no PostgreSQL server")
	}
	defer forgotten.Close()
	u, err := url.Parse(dbURL)
	require.NoError(t, err)
	name := strings.TrimPrefix(u.Path, "/")

	var exists bool
	require.NoError(t, open(t, pgtest.NewDatabase(t)).QueryRow(
		`SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists))
	require.False(t, exists, "database %s was dropped", name)
}

func TestEachCallGetsItsOwnDatabase(t *testing.T) {
	require.NotEqual(t, pgtest.NewDatabase(t), pgtest.NewDatabase(t))
}

func TestUnreachableServerSkipsExceptInCI(t *testing.T) {
	t.Setenv(pgtest.EnvVar, "postgres://bot:SECRET-pw@127.0.0.1:1/test?sslmode=disable")

	t.Setenv("CI", "")
	r := call(t)
	require.Contains(t, r.skipped, "no PostgreSQL at")
	require.Empty(t, r.failed)

	t.Setenv("CI", "true")
	r = call(t)
	require.Contains(t, r.failed, "CI=true requires it")
	require.Empty(t, r.skipped)

	require.NotContains(t, r.failed+r.skipped, "SECRET-pw")
}

func open(t *testing.T, dbURL string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dbURL)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

// recorder stands in for the test NewDatabase is given, noting whether it
// skipped or failed instead of ending the real test.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper() {}

func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// call runs NewDatabase on its own goroutine, as the testing package runs a
// test, so Skipf and Fatalf can end it.
func call(t *testing.T) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		pgtest.NewDatabase(r)
	}()
	<-done
	return r
}
