package audit_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/audit"
)

func TestBackupIsAUsableSnapshotOfALiveStore(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	require.NoError(t, s.Record(ctx, sample("before-1"), sample("before-2")))
	dest := filepath.Join(t.TempDir(), "copy.db")

	require.NoError(t, s.Backup(ctx, dest))
	require.NoError(t, s.Record(ctx, sample("after")), "the store stays usable")

	copied, err := audit.Open(ctx, dest)
	require.NoError(t, err)
	defer copied.Close()
	got, err := copied.Recent(ctx, audit.Query{})
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"before-1", "before-2"}, requestIDs(got))

	leftovers, err := filepath.Glob(filepath.Join(filepath.Dir(dest), ".copy.db.partial-*"))
	require.NoError(t, err)
	require.Empty(t, leftovers, "no temporary file is left behind")
}

func TestBackupRefusesToOverwrite(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	dest := filepath.Join(t.TempDir(), "copy.db")
	require.NoError(t, os.WriteFile(dest, []byte("precious"), 0o600))

	require.ErrorIs(t, s.Backup(ctx, dest), fs.ErrExist)
	content, err := os.ReadFile(dest)
	require.NoError(t, err)
	require.Equal(t, "precious", string(content))
}
