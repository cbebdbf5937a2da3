package store_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/internal/store"
	"github.com/testerbot/testerbot/internal/store/storetest"
)

func TestOpenIsReady(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		require.NoError(t, s.Ping(context.Background()))
		got, err := s.Recent(context.Background(), store.Query{})
		require.NoError(t, err)
		require.Empty(t, got)
	})
}

// The file holds testers' addresses: the database and the -wal and -shm files
// SQLite creates beside it must be private to the bot's user.
func TestSQLiteFilesAreCreatedPrivate(t *testing.T) {
	t.Parallel()
	cfg := storetest.SQLite(t)
	s := storetest.Open(t, cfg)
	require.NoError(t, s.Record(context.Background(), sample("req-1")))

	for _, path := range []string{cfg.SQLitePath, cfg.SQLitePath + "-wal", cfg.SQLitePath + "-shm"} {
		info, err := os.Stat(path)
		require.NoError(t, err)
		require.Equal(t, fs.FileMode(0o600), info.Mode().Perm(), path)
	}
}

func TestSQLiteKeepsTheModeOfAnExistingFile(t *testing.T) {
	t.Parallel()
	cfg := storetest.SQLite(t)
	require.NoError(t, os.WriteFile(cfg.SQLitePath, nil, 0o640))
	require.NoError(t, os.Chmod(cfg.SQLitePath, 0o640)) // whatever the umask
	s := storetest.Open(t, cfg)
	require.NoError(t, s.Record(context.Background(), sample("req-1")))

	info, err := os.Stat(cfg.SQLitePath)
	require.NoError(t, err)
	require.Equal(t, fs.FileMode(0o640), info.Mode().Perm())
}

func TestRowsSurviveCloseAndReopen(t *testing.T) {
	t.Parallel()
	storetest.ForEachConfig(t, func(t *testing.T, cfg store.Config) {
		ctx := context.Background()
		s, err := store.Open(ctx, cfg)
		require.NoError(t, err)
		require.NoError(t, s.Record(ctx, sample("req-1"), sample("req-2")))
		require.NoError(t, s.Close())

		reopened := storetest.Open(t, cfg) // reopening must not re-run migrations
		got, err := reopened.Recent(ctx, store.Query{})
		require.NoError(t, err)
		require.Len(t, got, 2)

		require.NoError(t, reopened.Record(ctx, sample("req-3")), "ids keep counting after reopen")
		got, err = reopened.Recent(ctx, store.Query{})
		require.NoError(t, err)
		require.Equal(t, "req-3", got[0].RequestID)
		require.Greater(t, got[0].ID, got[1].ID)
	})
}

func TestPingFailsOnClosedStore(t *testing.T) {
	t.Parallel()
	storetest.ForEachConfig(t, func(t *testing.T, cfg store.Config) {
		s, err := store.Open(context.Background(), cfg)
		require.NoError(t, err)
		require.NoError(t, s.Close())
		require.ErrorContains(t, s.Ping(context.Background()), "store: ping "+cfg.String()+":", "the error names the database")
		require.NoError(t, s.Close(), "Close is idempotent")
	})
}

func TestOpenRejectsNonFilePaths(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"", ":memory:"} {
		_, err := store.Open(context.Background(), store.Config{SQLitePath: path})
		require.Error(t, err, "path %q", path)
	}
}

func TestOpenFailsWhenDirectoryIsMissing(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "no-such-dir", "invites.db")
	_, err := store.Open(context.Background(), store.Config{SQLitePath: path})
	require.Error(t, err)
}

func TestOpenHandlesURISpecialCharactersInPath(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "odd ?dir# 100%")
	require.NoError(t, os.Mkdir(dir, 0o700))
	path := filepath.Join(dir, "invites.db")

	s := storetest.Open(t, store.Config{SQLitePath: path})
	require.NoError(t, s.Record(context.Background(), sample("req-1")))
	require.FileExists(t, path, "the file lands exactly at path, not at a truncated name")
}

// Two processes on one database (old and new bot during a rolling deploy, or
// several replicas) write at the same time; with SQLite they contend for the
// file's write lock, and busy_timeout must make them wait, not fail.
func TestTwoStoresOnOneDatabaseWriteConcurrently(t *testing.T) {
	t.Parallel()
	storetest.ForEachConfig(t, func(t *testing.T, cfg store.Config) {
		ctx := context.Background()
		first, second := storetest.Open(t, cfg), storetest.Open(t, cfg)

		const perStore = 50
		errs := make(chan error, 2*perStore)
		var wg sync.WaitGroup
		for i, s := range []*store.Store{first, second} {
			wg.Go(func() {
				for n := range perStore {
					errs <- s.Record(ctx, sample(fmt.Sprintf("store%d-%d", i, n)))
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		got, err := first.Recent(ctx, store.Query{Limit: store.MaxLimit})
		require.NoError(t, err)
		require.Len(t, got, 2*perStore)
	})
}

func TestOpenRefusesBothDatabases(t *testing.T) {
	t.Parallel()
	_, err := store.Open(context.Background(), store.Config{
		PostgresURL: "postgres://127.0.0.1/x", SQLitePath: filepath.Join(t.TempDir(), "invites.db"),
	})
	require.ErrorContains(t, err, "not both")
}

// The URL may carry the database password: no error and no rendering of the
// Config may show it.
func TestPostgresPasswordIsNeverShown(t *testing.T) {
	t.Parallel()
	const password = "SECRET-pw"
	for name, rawURL := range map[string]string{
		"unreachable":  "postgres://bot:" + password + "@127.0.0.1:1/testerbot?sslmode=disable",
		"bad port":     "postgres://bot:" + password + "@127.0.0.1:port/testerbot",
		"bad escape":   "postgresql://bot:" + password + "%zz@127.0.0.1/testerbot",
		"other scheme": "mysql://bot:" + password + "@127.0.0.1/testerbot",
	} {
		t.Run(name, func(t *testing.T) {
			cfg := store.Config{PostgresURL: rawURL}
			_, err := store.Open(context.Background(), cfg)
			require.Error(t, err)
			require.NotContains(t, err.Error(), password)
			require.Contains(t, err.Error(), "store: open postgres")
			for _, shown := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg)} {
				require.NotContains(t, shown, password)
			}
		})
	}
}

// A password with an unencoded @ once reached the error in part ("lookup ss@127.0.0.1: no
// such host"): such a URL gets a fixed message, and nothing of the password.
func TestAnUnencodedAtInThePasswordGetsAFixedMessage(t *testing.T) {
	t.Parallel()
	_, err := store.Open(context.Background(), store.Config{PostgresURL: "postgres://root:pa@ss-SECRET@127.0.0.1:5432/test?sslmode=disable"})
	require.Error(t, err)
	require.ErrorContains(t, err, "unencoded @ in its user name or password (not shown): percent-encode it (@ is %40)")
	require.NotContains(t, err.Error(), "SECRET")
	require.NotContains(t, err.Error(), "ss-")
	require.NotContains(t, err.Error(), "127.0.0.1", "nor what pgx would have taken for the host")
}
