package invite

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseEmails(t *testing.T) {
	for _, tc := range []struct {
		in      string
		emails  []string
		invalid []string
	}{
		{"alice@example.com", []string{"alice@example.com"}, nil},
		{"a@example.com, b@example.com;c@example.com\nd@example.com\te@example.com",
			[]string{"a@example.com", "b@example.com", "c@example.com", "d@example.com", "e@example.com"}, nil},
		{"<mailto:alice@example.com|alice@example.com> <mailto:bob@example.com>",
			[]string{"alice@example.com", "bob@example.com"}, nil},
		{"Alice@Example.com alice@example.com", []string{"Alice@Example.com"}, nil},
		{"alice@example.com nope <@U123> <!channel> x@localhost",
			[]string{"alice@example.com"}, []string{"nope", "<@U123>", "<!channel>", "x@localhost"}},
		{"", nil, nil},
	} {
		emails, invalid := ParseEmails(tc.in)
		assert.Equal(t, tc.emails, emails, tc.in)
		assert.Equal(t, tc.invalid, invalid, tc.in)
	}
}

func TestFindEmailsInProse(t *testing.T) {
	text := "Please add <mailto:alice@example.com|alice@example.com> and bob.smith+qa@partner.io. " +
		"Also alice@example.com again, and (carol@example.co.uk)!"
	assert.Equal(t, []string{"alice@example.com", "bob.smith+qa@partner.io", "carol@example.co.uk"}, FindEmails(text))
	assert.Empty(t, FindEmails("no addresses here, just @mentions"))
}
