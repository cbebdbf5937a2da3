package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Pool limits for PostgreSQL. Each replica holds at most maxPostgresConns
// connections, so ten replicas stay well under the server's default
// max_connections of 100, leaving room for operators and migrations. The
// bot's writes are one short transaction per request, so a few suffice.
const (
	maxPostgresConns = 5
	connectTimeout   = 10 * time.Second
)

// isPostgresURL reports whether raw is a URL pgx reads as PostgreSQL's URI
// form. pgx matches these prefixes exactly, so no other spelling is accepted.
func isPostgresURL(raw string) bool {
	return strings.HasPrefix(raw, "postgres://") || strings.HasPrefix(raw, "postgresql://")
}

// authority is the user, password, host and port of a URL: what lies between "://" and the
// path, query or fragment.
func authority(raw string) string {
	_, rest, _ := strings.Cut(raw, "://")
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// openPostgres opens a pool for the database rawURL names and checks that it
// connects. The URL may hold a password, so no error returned
// here or later quotes it: pgx's connection errors name only the user,
// database and host.
func openPostgres(ctx context.Context, rawURL string) (*sql.DB, error) {
	if !isPostgresURL(rawURL) {
		return nil, errors.New("the PostgreSQL URL must start with postgres:// or postgresql://")
	}
	if strings.Count(authority(rawURL), "@") > 1 {
		// pgx would take what follows the first @ as the host, and name that part of the
		// password in its error ("lookup ss@127.0.0.1: no such host").
		return nil, errors.New("the PostgreSQL URL has an unencoded @ in its user name or password (not shown): percent-encode it (@ is %40)")
	}
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		// pgx redacts passwords from its parse errors on a best-effort basis
		// only, and the URL parser's own errors quote the whole URL.
		return nil, errors.New("the PostgreSQL URL is malformed (not shown: it may hold a password)")
	}
	if cfg.ConnectTimeout == 0 {
		// Without connect_timeout in the URL, an unreachable host would stall
		// start-up until the operating system gives up on the connection.
		cfg.ConnectTimeout = connectTimeout
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(maxPostgresConns)
	db.SetMaxIdleConns(maxPostgresConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
