package bot

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/testerbot/testerbot/internal/address"
	"github.com/testerbot/testerbot/internal/invite"
)

func TestParseCommand(t *testing.T) {
	for _, tc := range []struct {
		text string
		want command
	}{
		{"", command{kind: cmdOpenModal}},
		{"  help ", command{kind: cmdHelp}},
		{"list", command{kind: cmdList}},
		{"list alice@", command{kind: cmdList, filter: "alice@"}},
		{"history", command{kind: cmdHistory}},
		{"remove <mailto:bob@x.io|bob@x.io>", command{kind: cmdRemove, emails: []string{"bob@x.io"}}},
		{"a@x.io, b@x.io", command{kind: cmdInvite, emails: []string{"a@x.io", "b@x.io"}}},
		{"a@x.io nope", command{kind: cmdInvite, emails: []string{"a@x.io"}, refused: []address.Refusal{{Input: "nope", Reason: "has no @"}}}},
		{"LIST", command{kind: cmdList}},
		{"a@x.io for 14d", command{kind: cmdInvite, emails: []string{"a@x.io"}, accessFor: 14 * 24 * time.Hour}},
		{"a@x.io b@x.io FOR 90m", command{kind: cmdInvite, emails: []string{"a@x.io", "b@x.io"}, accessFor: 90 * time.Minute}},
		{"a@x.io for 366d", command{kind: cmdInvite, emails: []string{"a@x.io"}, badAccess: "Access can last from 1 minute to 365 days, not `366d`."}},
		{"a@x.io for 0m", command{kind: cmdInvite, emails: []string{"a@x.io"}, badAccess: "Access can last from 1 minute to 365 days, not `0m`."}},
		{"a@x.io for ever", command{kind: cmdInvite, emails: []string{"a@x.io"},
			badAccess: "Say how long access lasts with a number and m, h or d, like `for 14d` or `for 12h`; `ever` is not one."}},
	} {
		assert.Equal(t, tc.want, parseCommand(tc.text), tc.text)
	}
}

// A duration is checked against 365 days in its own unit before it is multiplied: "213504d"
// once overflowed time.Duration and was taken as about 25 minutes.
func TestAccessIsCheckedAtTheEdgesBeforeItIsMultiplied(t *testing.T) {
	const day = 24 * time.Hour
	for spec, want := range map[string]time.Duration{
		"365d": 365 * day, "8760h": 365 * day, "525600m": 365 * day, "1m": time.Minute, "001d": day,
	} {
		c := parseCommand("a@x.io for " + spec)
		assert.Equal(t, want, c.accessFor, spec)
		assert.Empty(t, c.badAccess, spec)
	}
	for _, spec := range []string{"366d", "8761h", "525601m", "213504d", "106752d", "2562048h", "153722868m",
		"9223372036854775807m", "9223372036854775808d", "99999999999999999999999d", "0d", "0m"} {
		c := parseCommand("a@x.io for " + spec)
		assert.Zero(t, c.accessFor, spec)
		assert.Equal(t, "Access can last from 1 minute to 365 days, not `"+spec+"`.", c.badAccess, spec)
	}
	for _, spec := range []string{"-1d", "+5d", "1.5h", "d", "5w", "１d"} {
		c := parseCommand("a@x.io for " + spec)
		assert.Zero(t, c.accessFor, spec)
		assert.Contains(t, c.badAccess, "Say how long access lasts", spec)
	}
}

// FuzzParseCommand: whatever people type, parsing never panics, and what it calls an email is one.
func FuzzParseCommand(f *testing.F) {
	for _, seed := range []string{"", "help", "list a", "remove a@b.co", "a@b.co,c@d.io", "<mailto:a@b.co|a@b.co>", "<!channel>", "remove",
		// durations at the edges: the bounds, one past them, and where time.Duration overflows
		"a@b.co for 365d", "a@b.co for 366d", "a@b.co for 8760h", "a@b.co for 525601m", "a@b.co for 1m", "a@b.co for 0m",
		"a@b.co for 213504d", "a@b.co for 106752d", "a@b.co for 9223372036854775807m", "a@b.co for 18446744073709551616h"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		c := parseCommand(text)
		if c.accessFor != 0 && (c.accessFor < invite.MinAccess || c.accessFor > invite.MaxAccess) {
			t.Fatalf("%q gives access for %s, outside 1 minute to 365 days", text, c.accessFor)
		}
		for _, e := range c.emails {
			if strings.ContainsAny(e, "<>| \n") || !strings.Contains(e, "@") {
				t.Fatalf("parsed %q as an email", e)
			}
		}
		if utf8.ValidString(text) && strings.ContainsAny(esc(text), "<>") {
			t.Fatalf("escaping left a control character in %q", esc(text))
		}
	})
}
