package app

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSQLiteHintNamesTheVariableAndTheUID(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	assert.Empty(t, sqliteHint(filepath.Join(dir, "invites.db")), "a writable folder is not the problem")
	if os.Getuid() == 0 {
		t.Skip("root writes anywhere")
	}
	readOnly := filepath.Join(dir, "ro")
	assert.NoError(t, os.Mkdir(readOnly, 0o555))
	hint := sqliteHint(filepath.Join(readOnly, "invites.db"))
	assert.Contains(t, hint, "AUDIT_DB is ")
	assert.Contains(t, hint, "may not write in "+readOnly)
	assert.Contains(t, hint, "uid 65532 in the container image")
}
