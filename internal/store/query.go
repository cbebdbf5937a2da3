package store

import (
	"context"
	"database/sql"
)

// rowScanner is the Scan of a *sql.Row or *sql.Rows, so one scan function reads either.
type rowScanner = func(dest ...any) error

// queryAll runs query (with ? placeholders) and reads each row it returns with scan. The rows
// are closed before it returns, so the caller may write next: SQLite has a single connection.
// Errors are wrapped with what, as every Store method's are.
func queryAll[T any](ctx context.Context, s *Store, what, query string, args []any, scan func(rowScanner) (T, error)) ([]T, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(query), args...)
	if err != nil {
		return nil, s.wrap(what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows.Scan)
		if err != nil {
			return nil, s.wrap(what, err)
		}
		out = append(out, v)
	}
	return out, s.wrap(what, rows.Err())
}

// takeEach offers each candidate to take in turn (a conditional update that reports whether
// it changed the row) and returns those taken. It stops at the first error, returning what
// it took before.
func takeEach[T any](candidates []T, take func(T) (bool, error)) ([]T, error) {
	var taken []T
	for _, c := range candidates {
		ok, err := take(c)
		if err != nil {
			return taken, err
		}
		if ok {
			taken = append(taken, c)
		}
	}
	return taken, nil
}

// execer is a *sql.DB or a *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// changedOne runs a conditional write (with ? placeholders) on ex and reports whether it
// changed exactly one row.
func (s *Store) changedOne(ctx context.Context, ex execer, query string, args ...any) (bool, error) {
	res, err := ex.ExecContext(ctx, s.rebind(query), args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
