// Package store keeps the bot's durable data: today the append-only log of
// every invite attempt the bot makes, so an admin can answer "who invited
// whom, from where, and what did Applivery say" long after the Slack thread
// has scrolled away.
//
// The data lives in a single SQLite file opened with the pure-Go driver
// modernc.org/sqlite, so the binary stays static (no cgo). The file runs in
// WAL mode: readers never block the writer, and a crash loses at most the
// transaction in flight, never the file. It is created readable by its owner
// only, and so are its -wal and -shm companions.
//
// # Backing up the file
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
package store
