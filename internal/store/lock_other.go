//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package store

import "os"

// flock is a no-op where flock(2) is missing: the bot ships for Linux, and the README's rule
// of one process per SQLite file is then the operator's to keep.
func flock(*os.File) error { return nil }
