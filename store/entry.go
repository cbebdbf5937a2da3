package store

import (
	"errors"
	"fmt"
	"time"
)

// Outcome is what happened to one invite attempt.
type Outcome string

// The outcomes an invite attempt can end in.
const (
	OutcomeInvited        Outcome = "invited"
	OutcomeAlreadyInvited Outcome = "already_invited"
	OutcomeRefused        Outcome = "refused" // rejected by the bot's own rules, Applivery never called
	OutcomeFailed         Outcome = "failed"  // Applivery or the network returned an error
	OutcomeRemoved        Outcome = "removed" // a tester was revoked
)

// Surface is the Slack entry point a request came through.
type Surface string

// The Slack surfaces the bot accepts requests from.
const (
	SurfaceCommand         Surface = "command"
	SurfaceModal           Surface = "modal"
	SurfaceGlobalShortcut  Surface = "global_shortcut"
	SurfaceMessageShortcut Surface = "message_shortcut"
	SurfaceHome            Surface = "home"
	SurfaceRevokeButton    Surface = "revoke_button"
)

// Valid reports whether o is one of the declared outcomes.
func (o Outcome) Valid() bool {
	switch o {
	case OutcomeInvited, OutcomeAlreadyInvited, OutcomeRefused, OutcomeFailed, OutcomeRemoved:
		return true
	}
	return false
}

// Valid reports whether s is one of the declared surfaces.
func (s Surface) Valid() bool {
	switch s {
	case SurfaceCommand, SurfaceModal, SurfaceGlobalShortcut, SurfaceMessageShortcut, SurfaceHome, SurfaceRevokeButton:
		return true
	}
	return false
}

// Entry is one row of the audit log: one email, one app, one outcome.
type Entry struct {
	ID        int64     // assigned by the store; ignored by Record
	At        time.Time // UTC; Record fills it with the current time when zero
	RequestID string    // groups the entries of one Slack request
	UserID    string    // Slack user who asked
	ChannelID string
	Surface   Surface
	StoreID   string
	AppID     string
	AppName   string
	Email     string
	Outcome   Outcome
	OTPUserID string // Applivery OTP user id, when known
	ErrorCode int    // Applivery error code when failed, 0 otherwise
	Detail    string // short reason for refused/failed; must never hold secrets
}

// ErrInvalidEntry is wrapped by Record when an entry carries an outcome or
// surface outside the declared constants, which is always a programming
// error: rejecting it loudly beats storing rows no history query expects.
var ErrInvalidEntry = errors.New("invalid entry")

// maxDetailRunes caps Detail so an unexpectedly large error body (an HTML
// error page from a proxy, say) cannot bloat the log.
const maxDetailRunes = 500

func (e Entry) validate() error {
	if !e.Outcome.Valid() {
		return fmt.Errorf("%w: unknown outcome %q", ErrInvalidEntry, e.Outcome)
	}
	if !e.Surface.Valid() {
		return fmt.Errorf("%w: unknown surface %q", ErrInvalidEntry, e.Surface)
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
