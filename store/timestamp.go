package store

import "time"

// timeLayout stores instants as fixed-width UTC text with nanoseconds. Fixed
// width keeps text order equal to time order, so the "newest first" indexes
// work, and text stays readable for anyone inspecting the file with sqlite3.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string {
	return t.UTC().Format(timeLayout)
}

func parseTime(s string) (time.Time, error) {
	return time.Parse(timeLayout, s)
}
