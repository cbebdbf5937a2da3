package audit_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/audit"
)

func TestOpenCreatesFileAndIsReady(t *testing.T) {
	s, path := openTemp(t)

	require.FileExists(t, path)
	require.NoError(t, s.Ping(context.Background()))
	got, err := s.Recent(context.Background(), audit.Query{})
	require.NoError(t, err)
	require.Empty(t, got)
}

func TestRowsSurviveCloseAndReopen(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	require.NoError(t, s.Record(ctx, sample("req-1"), sample("req-2")))
	require.NoError(t, s.Close())

	reopened, err := audit.Open(ctx, path)
	require.NoError(t, err, "reopening must not re-run migrations")
	defer reopened.Close()
	got, err := reopened.Recent(ctx, audit.Query{})
	require.NoError(t, err)
	require.Len(t, got, 2)

	require.NoError(t, reopened.Record(ctx, sample("req-3")), "ids keep counting after reopen")
	got, err = reopened.Recent(ctx, audit.Query{})
	require.NoError(t, err)
	require.Equal(t, "req-3", got[0].RequestID)
	require.Greater(t, got[0].ID, got[1].ID)
}

func TestPingFailsOnClosedStore(t *testing.T) {
	s, _ := openTemp(t)
	require.NoError(t, s.Close())
	require.Error(t, s.Ping(context.Background()))
	require.NoError(t, s.Close(), "Close is idempotent")
}

func TestOpenRejectsNonFilePaths(t *testing.T) {
	for _, path := range []string{"", ":memory:"} {
		_, err := audit.Open(context.Background(), path)
		require.Error(t, err, "path %q", path)
	}
}

func TestOpenFailsWhenDirectoryIsMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no-such-dir", "invites.db")
	_, err := audit.Open(context.Background(), path)
	require.Error(t, err)
}

func TestOpenHandlesURISpecialCharactersInPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "odd ?dir# 100%")
	require.NoError(t, os.Mkdir(dir, 0o700))
	path := filepath.Join(dir, "invites.db")

	s, err := audit.Open(context.Background(), path)
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, s.Record(context.Background(), sample("req-1")))
	require.FileExists(t, path, "the file lands exactly at path, not at a truncated name")
}

// Two processes on one file (say, old and new bot during a rolling deploy)
// contend for SQLite's write lock; busy_timeout must make them wait, not fail.
func TestTwoStoresOnOneFileWriteConcurrently(t *testing.T) {
	ctx := context.Background()
	first, path := openTemp(t)
	second, err := audit.Open(ctx, path)
	require.NoError(t, err)
	defer second.Close()

	const perStore = 50
	errs := make(chan error, 2*perStore)
	var wg sync.WaitGroup
	for i, s := range []*audit.Store{first, second} {
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
	got, err := first.Recent(ctx, audit.Query{Limit: audit.MaxLimit})
	require.NoError(t, err)
	require.Len(t, got, 2*perStore)
}
