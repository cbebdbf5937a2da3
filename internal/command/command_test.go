package command

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/testerbot/testerbot/internal/address"
	"github.com/testerbot/testerbot/internal/invite"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		text string
		want Command
	}{
		{"", Command{Kind: OpenModal}},
		{"  help ", Command{Kind: Help}},
		{"list", Command{Kind: List}},
		{"list alice@", Command{Kind: List, Filter: "alice@"}},
		{"history", Command{Kind: History}},
		{"setup", Command{Kind: Setup}},
		{"remove <mailto:bob@x.io|bob@x.io>", Command{Kind: Remove, Emails: []string{"bob@x.io"}}},
		{"a@x.io, b@x.io", Command{Kind: Invite, Emails: []string{"a@x.io", "b@x.io"}}},
		{"a@x.io nope", Command{Kind: Invite, Emails: []string{"a@x.io"}, Refused: []address.Refusal{{Input: "nope", Reason: "has no @"}}}},
		{"LIST", Command{Kind: List}},
		{"a@x.io for 14d", Command{Kind: Invite, Emails: []string{"a@x.io"}, AccessFor: 14 * 24 * time.Hour}},
		{"a@x.io b@x.io FOR 90m", Command{Kind: Invite, Emails: []string{"a@x.io", "b@x.io"}, AccessFor: 90 * time.Minute}},
		{"a@x.io for 366d", Command{Kind: Invite, Emails: []string{"a@x.io"}, BadAccess: &BadAccess{Spec: "366d", OutOfRange: true}}},
		{"a@x.io for 0m", Command{Kind: Invite, Emails: []string{"a@x.io"}, BadAccess: &BadAccess{Spec: "0m", OutOfRange: true}}},
		{"a@x.io for ever", Command{Kind: Invite, Emails: []string{"a@x.io"}, BadAccess: &BadAccess{Spec: "ever"}}},
	} {
		assert.Equal(t, tc.want, Parse(tc.text), tc.text)
	}
}

// A duration is checked against 365 days in its own unit before it is multiplied: "213504d"
// once overflowed time.Duration and was taken as about 25 minutes.
func TestAccessIsCheckedAtTheEdgesBeforeItIsMultiplied(t *testing.T) {
	const day = 24 * time.Hour
	for spec, want := range map[string]time.Duration{
		"365d": 365 * day, "8760h": 365 * day, "525600m": 365 * day, "1m": time.Minute, "001d": day,
	} {
		c := Parse("a@x.io for " + spec)
		assert.Equal(t, want, c.AccessFor, spec)
		assert.Nil(t, c.BadAccess, spec)
	}
	for _, spec := range []string{"366d", "8761h", "525601m", "213504d", "106752d", "2562048h", "153722868m",
		"9223372036854775807m", "9223372036854775808d", "99999999999999999999999d", "0d", "0m"} {
		c := Parse("a@x.io for " + spec)
		assert.Zero(t, c.AccessFor, spec)
		assert.Equal(t, &BadAccess{Spec: spec, OutOfRange: true}, c.BadAccess, spec)
	}
	for _, spec := range []string{"-1d", "+5d", "1.5h", "d", "5w", "１d"} {
		c := Parse("a@x.io for " + spec)
		assert.Zero(t, c.AccessFor, spec)
		assert.Equal(t, &BadAccess{Spec: spec}, c.BadAccess, spec)
	}
}

// FuzzParse: whatever people type, parsing never panics, what it calls an email is one, and an
// access it accepts lasts from 1 minute to 365 days.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{"", "help", "list a", "remove a@b.co", "a@b.co,c@d.io", "<mailto:a@b.co|a@b.co>", "<!channel>", "remove",
		// durations at the edges: the bounds, one past them, and where time.Duration overflows
		"a@b.co for 365d", "a@b.co for 366d", "a@b.co for 8760h", "a@b.co for 525601m", "a@b.co for 1m", "a@b.co for 0m",
		"a@b.co for 213504d", "a@b.co for 106752d", "a@b.co for 9223372036854775807m", "a@b.co for 18446744073709551616h"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		c := Parse(text)
		if c.AccessFor != 0 && (c.AccessFor < invite.MinAccess || c.AccessFor > invite.MaxAccess) {
			t.Fatalf("%q gives access for %s, outside 1 minute to 365 days", text, c.AccessFor)
		}
		if c.AccessFor != 0 && c.BadAccess != nil {
			t.Fatalf("%q gives access for %s and also refuses it", text, c.AccessFor)
		}
		for _, e := range c.Emails {
			if strings.ContainsAny(e, "<>| \n") || !strings.Contains(e, "@") {
				t.Fatalf("parsed %q as an email", e)
			}
		}
	})
}
