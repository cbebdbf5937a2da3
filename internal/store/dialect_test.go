package store

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRebind(t *testing.T) {
	t.Parallel()
	for query, want := range map[string]string{
		`SELECT 1`:                                          `SELECT 1`,
		`SELECT a FROM t WHERE b = ? AND c = ?`:             `SELECT a FROM t WHERE b = $1 AND c = $2`,
		`INSERT INTO t (a, b) VALUES (?, '?')`:              `INSERT INTO t (a, b) VALUES ($1, '?')`,
		`SELECT 'it''s ?', ? FROM t WHERE é = ? `:           `SELECT 'it''s ?', $1 FROM t WHERE é = $2 `,
		`SELECT ? ` + "\n" + `LIMIT ?`:                      `SELECT $1 ` + "\n" + `LIMIT $2`,
		`SELECT a FROM t WHERE b = ? OR b = ? OR ? IS NULL`: `SELECT a FROM t WHERE b = $1 OR b = $2 OR $3 IS NULL`,
	} {
		require.Equal(t, query, sqliteDialect.rebind(query), "SQLite takes ? as written")
		require.Equal(t, want, postgresDialect.rebind(query))
	}
}

func TestMillisRoundTripThroughBigint(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, s *Store) {
		for _, instant := range []time.Time{
			time.Date(2025, 3, 14, 16, 9, 26, 535897932, time.FixedZone("CET", 3600)),
			time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC),      // beyond 32-bit seconds
			time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC), // before the epoch
		} {
			var ms int64
			err := s.db.QueryRowContext(context.Background(), s.rebind(`SELECT CAST(? AS BIGINT)`), toMillis(instant)).Scan(&ms)
			require.NoError(t, err)
			got := fromMillis(ms)
			require.Equal(t, time.UTC, got.Location())
			require.True(t, instant.Truncate(time.Millisecond).Equal(got), "want %v, got %v", instant, got)
		}
	})
}
