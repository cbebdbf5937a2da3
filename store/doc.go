// Package store keeps the bot's durable data: today the append-only log of
// every invite attempt the bot makes, so an admin can answer "who invited
// whom, from where, and what did Applivery say" long after the Slack thread
// has scrolled away.
//
// The data lives either in one SQLite file, for a single process, or in
// PostgreSQL, which several replicas share. One code path serves both:
//
//   - Queries are written once, in SQL both databases accept (INSERT … ON
//     CONFLICT, RETURNING, LIMIT), with ? placeholders that the store
//     rebinds to $1, $2, … for PostgreSQL.
//   - Only DDL differs: each migration is written for both databases, with
//     the same version, tables, columns and index names.
//   - Instants are fixed-width UTC text in the audit log and BIGINT unix
//     milliseconds in newer tables, so they sort and compare identically in
//     both.
//   - Transactions are serializable on SQLite and READ COMMITTED on
//     PostgreSQL; see Store.inTx for how to write code that is correct on
//     both without retries.
//
// # SQLite
//
// The file is opened with the pure-Go driver modernc.org/sqlite, so the
// binary stays static (no cgo). It runs in WAL mode: readers never block the
// writer, and a crash loses at most the transaction in flight, never the
// file. It is created readable by its owner only, and so are its -wal and
// -shm companions.
//
// Never copy invites.db with cp/rsync while the bot runs: in WAL mode the most
// recent commits live in invites.db-wal until a checkpoint, so a copy of the
// main file alone can be stale or, if taken mid-checkpoint, torn. Take a
// consistent snapshot with `sqlite3 invites.db ".backup 'copy.db'"` (the
// online backup API, safe alongside the bot) or
// `sqlite3 invites.db "VACUUM INTO 'copy.db'"`, which also compacts the copy.
// Each produces a single self-contained file with no -wal/-shm companions.
// When the bot is stopped, copying invites.db together with any
// invites.db-wal and invites.db-shm files is also safe.
//
// # PostgreSQL
//
// Connections go through pgx's database/sql driver, at most a few per
// process. Replicas that start together migrate one at a time, serialized by
// a transaction-scoped advisory lock. Back up with pg_dump, which takes a
// consistent snapshot while the bot runs.
package store
