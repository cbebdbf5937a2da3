// Package command reads what a person typed after /invite-tester: which of its forms they used,
// the addresses, and how long the access lasts. It is pure, so it is table-tested and fuzzed
// on its own, and what the bot tells people about it stays in package bot.
package command

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/testerbot/testerbot/internal/address"
	"github.com/testerbot/testerbot/internal/invite"
)

// Kind is what a person asked /invite-tester to do.
type Kind int

const (
	OpenModal Kind = iota // no text: open the invite modal
	Invite                // emails: invite them inline
	Help
	List    // list [filter]
	Remove  // remove <email>
	History // history
	Setup   // setup: link the channel to a store and app
)

// Command is the parsed text of one /invite-tester.
type Command struct {
	Kind      Kind
	Emails    []string          // Invite, Remove
	Refused   []address.Refusal // what is not an address, and why
	Filter    string            // List
	AccessFor time.Duration     // Invite: "… for 14d"; 0 when access does not end
	BadAccess *BadAccess        // Invite: a "for …" that cannot be used; nil when there is none
}

// BadAccess is a "for …" at the end of an invite that cannot be used.
type BadAccess struct {
	Spec string // what followed "for", as typed
	// OutOfRange: Spec is a number of minutes, hours or days, but not from 1 minute to 365
	// days. Otherwise it is not a duration at all.
	OutOfRange bool
}

// Parse understands every form of /invite-tester.
func Parse(text string) Command {
	text = strings.TrimSpace(text)
	if text == "" {
		return Command{Kind: OpenModal}
	}
	word, rest, _ := strings.Cut(text, " ")
	rest = strings.TrimSpace(rest)
	switch strings.ToLower(word) {
	case "help", "-h", "--help", "?":
		return Command{Kind: Help}
	case "list", "ls":
		return Command{Kind: List, Filter: rest}
	case "history":
		return Command{Kind: History}
	case "setup", "link":
		return Command{Kind: Setup}
	case "remove", "revoke", "delete", "rm":
		emails, refused := address.Parse(rest)
		return Command{Kind: Remove, Emails: emails, Refused: refused}
	}
	text, accessFor, bad := splitAccess(text)
	emails, refused := address.Parse(text)
	return Command{Kind: Invite, Emails: emails, Refused: refused, AccessFor: accessFor, BadAccess: bad}
}

// accessSuffix is "for 14d" at the end of an invite: how long the testers keep access.
var accessSuffix = regexp.MustCompile(`(?i)(?:^|\s)for\s+(\S+)\s*$`)

// splitAccess takes "for <n><m|h|d>" off the end of an invite's text.
func splitAccess(text string) (rest string, accessFor time.Duration, bad *BadAccess) {
	m := accessSuffix.FindStringSubmatchIndex(text)
	if m == nil {
		return text, 0, nil
	}
	rest, spec := text[:m[0]], text[m[2]:m[3]]
	d, err := parseAccess(spec)
	switch {
	case errors.Is(err, strconv.ErrRange) || (err == nil && (d == 0 || invite.CheckAccess(d) != nil)):
		return rest, 0, &BadAccess{Spec: spec, OutOfRange: true}
	case err != nil:
		return rest, 0, &BadAccess{Spec: spec}
	}
	return rest, d, nil
}

// accessUnits are the units "for …" takes.
var accessUnits = map[string]time.Duration{"m": time.Minute, "h": time.Hour, "d": 24 * time.Hour}

// parseAccess reads "90m", "12h" or "14d". The number is checked against invite.MaxAccess in
// its own unit before it is multiplied: "213504d" would overflow a time.Duration and wrap
// round to about 25 minutes. A number past it is strconv.ErrRange; what is not a number of a
// unit is strconv.ErrSyntax.
func parseAccess(spec string) (time.Duration, error) {
	if len(spec) < 2 {
		return 0, strconv.ErrSyntax
	}
	unit, ok := accessUnits[strings.ToLower(spec[len(spec)-1:])]
	digits := spec[:len(spec)-1]
	if !ok || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, strconv.ErrSyntax // digits only: no sign, no space
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if errors.Is(err, strconv.ErrRange) || (err == nil && n > int64(invite.MaxAccess/unit)) {
		return 0, strconv.ErrRange
	}
	if err != nil {
		return 0, strconv.ErrSyntax
	}
	return time.Duration(n) * unit, nil
}
