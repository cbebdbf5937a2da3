package store

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/testerbot/testerbot/internal/invite"
)

// Entry is one row of the audit log: one email, one app, one outcome.
type Entry struct {
	ID        int64     // assigned by the store; ignored by Record
	At        time.Time // UTC; Record fills it with the current time when zero
	RequestID string    // groups the entries of one Slack request
	UserID    string    // Slack user who asked
	ChannelID string
	Origin    string // where the request came from ("command", "modal", …); never empty
	StoreID   string
	AppID     string
	AppName   string
	Email     string
	Outcome   invite.Outcome // a final one
	OTPUserID string         // Applivery OTP user id, when known
	ErrorCode int            // Applivery error code when failed, 0 otherwise
	Detail    string         // short reason for refused/failed; must never hold secrets
}

// ErrInvalidEntry is wrapped by Record when an entry carries no final outcome
// or no origin, which is always a programming error: rejecting it loudly
// beats storing rows no history query expects.
var ErrInvalidEntry = errors.New("invalid entry")

// maxDetailRunes caps Detail so an unexpectedly large error body (an HTML
// error page from a proxy, say) cannot bloat the log.
const maxDetailRunes = 500

func (e Entry) validate() error {
	if !slices.Contains(invite.Outcomes, e.Outcome) {
		return fmt.Errorf("%w: unknown outcome %q", ErrInvalidEntry, e.Outcome)
	}
	if e.Origin == "" {
		return fmt.Errorf("%w: no origin", ErrInvalidEntry)
	}
	return nil
}

// truncateRunes shortens s to at most n runes without splitting a character.
func truncateRunes(s string, n int) string {
	count := 0
	for i := range s {
		if count == n {
			return s[:i]
		}
		count++
	}
	return s
}
