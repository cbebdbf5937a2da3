package bot

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/testerbot/testerbot/internal/address"
	"github.com/testerbot/testerbot/internal/invite"
)

// What /invite-tester's text asks for. Parsing is pure, so it is table-tested and fuzzed.

// commandKind is what a person asked /invite-tester to do.
type commandKind int

const (
	cmdOpenModal commandKind = iota // no text: open the invite modal
	cmdInvite                       // emails: invite them inline
	cmdHelp
	cmdList    // list [filter]
	cmdRemove  // remove <email>
	cmdHistory // history
	cmdSetup   // setup: link the channel to a store and app
)

// command is the parsed text of one /invite-tester.
type command struct {
	kind      commandKind
	emails    []string          // cmdInvite, cmdRemove
	refused   []address.Refusal // what is not an address, and why
	filter    string            // cmdList
	accessFor time.Duration     // cmdInvite: "… for 14d"; 0 when access does not end
	badAccess string            // cmdInvite: why "for …" could not be used, for people
}

// parseCommand understands every form of /invite-tester. It is pure so it can be fuzzed.
func parseCommand(text string) command {
	text = strings.TrimSpace(text)
	if text == "" {
		return command{kind: cmdOpenModal}
	}
	word, rest, _ := strings.Cut(text, " ")
	rest = strings.TrimSpace(rest)
	switch strings.ToLower(word) {
	case "help", "-h", "--help", "?":
		return command{kind: cmdHelp}
	case "list", "ls":
		return command{kind: cmdList, filter: rest}
	case "history":
		return command{kind: cmdHistory}
	case "setup", "link":
		return command{kind: cmdSetup}
	case "remove", "revoke", "delete", "rm":
		emails, refused := address.Parse(rest)
		return command{kind: cmdRemove, emails: emails, refused: refused}
	}
	text, accessFor, badAccess := splitAccess(text)
	emails, refused := address.Parse(text)
	return command{kind: cmdInvite, emails: emails, refused: refused, accessFor: accessFor, badAccess: badAccess}
}

// accessSuffix is "for 14d" at the end of an invite: how long the testers keep access.
var accessSuffix = regexp.MustCompile(`(?i)(?:^|\s)for\s+(\S+)\s*$`)

// splitAccess takes "for <n><m|h|d>" off the end of an invite's text. badAccess says, for
// people, what is wrong with one that cannot be used.
func splitAccess(text string) (rest string, accessFor time.Duration, badAccess string) {
	m := accessSuffix.FindStringSubmatchIndex(text)
	if m == nil {
		return text, 0, ""
	}
	rest, spec := text[:m[0]], text[m[2]:m[3]]
	d, err := parseAccess(spec)
	switch {
	case errors.Is(err, strconv.ErrRange) || (err == nil && (d == 0 || invite.CheckAccess(d) != nil)):
		return rest, 0, "Access can last from 1 minute to 365 days, not " + code(spec) + "."
	case err != nil:
		return rest, 0, "Say how long access lasts with a number and m, h or d, like `for 14d` or `for 12h`; " + code(spec) + " is not one."
	}
	return rest, d, ""
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
