package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/store"
)

// database says which database the environment selects: PostgreSQL when DATABASE_URL is set,
// else the SQLite file AUDIT_DB. The result prints without the URL (see store.Config).
func database(env *config.Env) store.Config {
	if env.DatabaseURL != "" {
		return store.Config{PostgresURL: env.DatabaseURL}
	}
	return store.Config{SQLitePath: env.AuditDB}
}

// openDatabase opens the database as the bot does. When the SQLite file cannot be created or
// written, the error says so, naming AUDIT_DB and the uid that needs access, since SQLite's
// own words ("unable to open database file") name neither.
func openDatabase(ctx context.Context, env *config.Env) (*store.Store, error) {
	cfg := database(env)
	db, err := store.Open(ctx, cfg)
	if err != nil && cfg.SQLitePath != "" {
		if hint := sqliteHint(cfg.SQLitePath); hint != "" {
			return nil, fmt.Errorf("%s (%w)", hint, err)
		}
	}
	return db, err
}

// imageUID is the user the container image runs as (distroless "nonroot").
const imageUID = 65532

// sqliteHint says why this process cannot create or write the SQLite file at path, or "".
func sqliteHint(path string) string {
	dir := filepath.Dir(path)
	who := fmt.Sprintf("this process (uid %d; uid %d in the container image)", os.Getuid(), imageUID)
	if info, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return fmt.Sprintf("AUDIT_DB is %q, but the folder %s does not exist: create it, writable by %s, or set AUDIT_DB elsewhere", path, dir, who)
	} else if err == nil && !info.IsDir() {
		return fmt.Sprintf("AUDIT_DB is %q, but %s is not a folder", path, dir)
	}
	if f, err := os.OpenFile(path, os.O_RDWR, 0); errors.Is(err, fs.ErrPermission) {
		return fmt.Sprintf("AUDIT_DB is %q, which %s may not write: give it that file (chown %d) or set AUDIT_DB elsewhere", path, who, imageUID)
	} else if err == nil {
		f.Close()
	}
	probe, err := os.CreateTemp(dir, ".testerbot-write-check-*")
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, fs.ErrExist) {
		return fmt.Sprintf("AUDIT_DB is %q, but %s may not write in %s, where SQLite keeps the file and its -wal and -shm files: "+
			"make the folder writable by it (e.g. chown %d on the host, or a named volume), or set AUDIT_DB elsewhere", path, who, dir, imageUID)
	}
	if err == nil {
		probe.Close()
		os.Remove(probe.Name())
	}
	return ""
}
