package store

import "time"

// timeLayout stores the audit log's instants as fixed-width UTC text with
// nanoseconds, the same in both databases. Fixed width keeps text order equal
// to time order, so the "newest first" indexes work (PostgreSQL compares the
// column in byte order, COLLATE "C"), and text stays readable for anyone
// inspecting the data by hand.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string {
	return t.UTC().Format(timeLayout)
}

func parseTime(s string) (time.Time, error) {
	return time.Parse(timeLayout, s)
}

// Newer tables store instants as BIGINT unix milliseconds instead: integers
// compare, index and do arithmetic the same way in both databases, with no
// collation or format to get wrong, and milliseconds are finer than anything
// Slack or Applivery report.

// toMillis converts t for a BIGINT column, dropping anything finer than a
// millisecond.
func toMillis(t time.Time) int64 { return t.UnixMilli() }

// fromMillis reads a BIGINT column back as a UTC instant.
func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
