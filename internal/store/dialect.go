package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// dialect is what differs between the two databases at run time. Queries are
// written once, in SQL both understand, with ? placeholders; DDL differs per
// database and lives in the migrations.
type dialect int

const (
	sqliteDialect dialect = iota
	postgresDialect
)

// rebind turns a query's ? placeholders into PostgreSQL's $1, $2, …; SQLite
// takes ? as written. A ? inside a single-quoted literal is left alone (a
// doubled ” toggles twice, so it needs no special case); the queries here
// put no ? in identifiers or comments.
func (d dialect) rebind(query string) string {
	if d != postgresDialect {
		return query
	}
	var b strings.Builder
	n, quoted := 0, false
	for _, r := range query {
		switch {
		case r == '\'':
			quoted = !quoted
		case r == '?' && !quoted:
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// migrationLockKey identifies the PostgreSQL advisory lock that migrators
// take. Any constant works as long as nothing else in the database uses it;
// this one spells "testerbt" in ASCII.
const migrationLockKey int64 = 0x74657374_65726274

// lockMigrations makes tx the only migrating transaction until it ends.
// Replicas that start together would otherwise race to create the same
// tables. On SQLite the transaction already holds the file's write lock
// (txlock=immediate), which does the same.
func (d dialect) lockMigrations(ctx context.Context, tx *sql.Tx) error {
	if d != postgresDialect {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLockKey)
	return err
}
