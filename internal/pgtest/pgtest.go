// Package pgtest gives tests a throwaway PostgreSQL database.
//
// Tests reach the server through TESTERBOT_TEST_DATABASE_URL, by default
// postgres://root@127.0.0.1:5432/test?sslmode=disable; its user must be
// allowed to create databases. When no server answers, tests that need one
// skip, so `go test ./...` works on any machine, except under CI=true, where
// they fail: CI must never pass by silently skipping the PostgreSQL half.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// EnvVar names the server tests use; defaultURL applies when it is unset.
const (
	EnvVar     = "TESTERBOT_TEST_DATABASE_URL"
	defaultURL = "postgres://root@127.0.0.1:5432/test?sslmode=disable"
)

// NewDatabase creates an empty database with a random name on the test
// server, returns a URL for it, and drops it when the test ends (WITH (FORCE),
// so connections a test left open cannot keep it alive).
func NewDatabase(t testing.TB) string {
	t.Helper()
	server, err := serverURL()
	if err != nil {
		t.Fatalf("pgtest: %s: %v", EnvVar, err)
	}
	admin, err := sql.Open("pgx", server.String())
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() { admin.Close() })

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		unreachable(t, server, err)
	}
	name := "testerbot_test_" + strings.ToLower(rand.Text()[:16]) // unquoted names fold to lower case
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database %s on %s: %v", name, server.Redacted(), err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	db := *server
	db.Path = "/" + name
	return db.String()
}

func serverURL() (*url.URL, error) {
	raw := os.Getenv(EnvVar)
	if raw == "" {
		raw = defaultURL
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		// The parse error would quote the URL, password included.
		return nil, errors.New("must be a postgres:// or postgresql:// URL")
	}
	return u, nil
}

// unreachable skips the test, or fails it under CI=true.
func unreachable(t testing.TB, server *url.URL, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("pgtest: PostgreSQL at %s is unreachable and CI=true requires it: %v", server.Redacted(), err)
	}
	t.Skipf("pgtest: no PostgreSQL at %s (set %s): %v", server.Redacted(), EnvVar, err)
}
