package bot

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/testerbot/testerbot/address"
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

// FuzzParseCommand: whatever people type, parsing never panics, and what it calls an email is one.
func FuzzParseCommand(f *testing.F) {
	for _, seed := range []string{"", "help", "list a", "remove a@b.co", "a@b.co,c@d.io", "<mailto:a@b.co|a@b.co>", "<!channel>", "remove"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		c := parseCommand(text)
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
