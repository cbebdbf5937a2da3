package bot

import "github.com/testerbot/testerbot/internal/store"

// What people are told when the database failed: the real cause when it is one only an admin
// can fix (a read-only database, a full disk), so that nobody retries in vain, and "did not
// answer" only when it did not.

// dbTrouble names what went wrong with the database, for a message's parenthesis.
func dbTrouble(err error) string {
	switch store.FaultOf(err) {
	case store.ReadOnly:
		return "my database is read-only"
	case store.DiskFull:
		return "my database's disk is full"
	}
	return "my database did not answer"
}

// dbAdvice says what to do after such a failure.
func dbAdvice(err error) string {
	if store.FaultOf(err) != store.NoFault {
		return "An admin must fix it first: trying again will not help until then."
	}
	return "Please try again in a moment."
}
