// Package store keeps everything the bot promised someone, so that no crash, deploy or second
// replica loses or doubles it: invite requests with each email's outcome, the claims and leases
// that let one process at a time work on them, the ends of access that ends, asks to the QA
// leads, channels linked from Slack, the envelopes already handled, and the audit log of every
// step ("who invited whom, from where, and what did Applivery say"). It implements the Store
// interfaces of packages invite, expiry, approval and mapping.
//
// The data lives either in one SQLite file, for a single process, or in PostgreSQL, which
// several replicas share. One code path serves both:
//
//   - Queries are written once, in SQL both databases accept (INSERT … ON CONFLICT, LIMIT),
//     with ? placeholders that the store rebinds to $1, $2, … for PostgreSQL.
//   - Each migration's DDL is written once too, with placeholders for the few words that
//     differ (see ddlWords).
//   - Instants are fixed-width UTC text in the audit log and BIGINT unix milliseconds in newer
//     tables, so they sort and compare identically in both.
//   - Transactions are serializable on SQLite and READ COMMITTED on PostgreSQL; see Store.inTx
//     for how to write code that is correct on both without retries.
//
// SQLite is opened with the pure-Go driver modernc.org/sqlite, so the binary stays static (no
// cgo), in WAL mode with full fsync; the file and its -wal and -shm companions are readable by
// their owner only. PostgreSQL is reached through pgx's database/sql driver; replicas that
// start together migrate one at a time, serialized by an advisory lock. How to back either up
// is in the README.
package store
