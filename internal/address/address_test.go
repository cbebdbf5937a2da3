package address_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/testerbot/testerbot/internal/address"
)

// Labels that add up to the longest domain a longest local part leaves room for: 64 + 1 + 189.
var (
	longLocal  = strings.Repeat("l", address.MaxLocalLength)
	longDomain = strings.Repeat("b", 61) + "." + strings.Repeat("c", 61) + "." + strings.Repeat("d", 61) + ".com"
)

func TestNormalize(t *testing.T) {
	for _, tc := range []struct {
		name, in, want, reason string
	}{
		{"plain", "alice@example.com", "alice@example.com", ""},
		{"every character Applivery allows", "a.B_c'd+e-9@x-1.example.co.uk", "a.B_c'd+e-9@x-1.example.co.uk", ""},
		{"spelling kept", "Alice@Example.COM", "Alice@Example.COM", ""},
		{"IDN becomes punycode", "alice@bücher.de", "alice@xn--bcher-kva.de", ""},
		{"IDN in capitals", "alice@BÜCHER.de", "alice@xn--bcher-kva.de", ""},
		{"dotted capital I is not i", "a@İnfo.com", "a@xn--info-qwc.com", ""},
		{"Cyrillic look-alike", "a@аcme.com", "a@xn--cme-5cd.com", ""},
		{"already punycode", "a@xn--bcher-kva.de", "a@xn--bcher-kva.de", ""},
		{"long s is the s DNS looks up", "a@ſtuff.com", "a@stuff.com", ""},
		{"full-width letters are the ASCII ones", "a@ａｃｍｅ.com", "a@acme.com", ""},
		{"longest local part", longLocal + "@x.io", longLocal + "@x.io", ""},
		{"longest address", longLocal + "@" + longDomain, longLocal + "@" + longDomain, ""},

		{"empty", "", "", "is empty"},
		{"no @", "alice", "", "has no @"},
		{"two @", "a@b@acme.com", "", "has more than one @"},
		{"nothing before the @", "@acme.com", "", "has nothing before the @"},
		{"nothing after the @", "alice@", "", "has nothing after the @"},
		{"leading dot", ".alice@acme.com", "", "starts with a dot"},
		{"two dots", "al..ice@acme.com", "", "has two dots in a row"},
		{"dot before the @", "alice.@acme.com", "", `cannot have "." right before the @`},
		{"apostrophe before the @", "alice'@acme.com", "", `cannot have "'" right before the @`},
		{"character Applivery refuses", "a!b@acme.com", "", `cannot have "!" before the @`},
		{"percent", "a%b@acme.com", "", `cannot have "%" before the @`},
		{"display name", "Alice <alice@acme.com>", "", "contains a space"},
		{"non-ASCII local part", "ſ@acme.com", "", `has a non-ASCII character \u017f before the @`},
		{"Cyrillic local part", "аlice@acme.com", "", `has a non-ASCII character \u0430 before the @`},
		{"RLO", "alice\u202e@acme.com", "", `contains an invisible character \u202e`},
		{"RLO in the domain", "a@moc.\u202eacme.com", "", `contains an invisible character \u202e`},
		{"zero-width space", "a@ac\u200bme.com", "", `contains an invisible character \u200b`},
		{"zero-width joiner", "a\u200d@acme.com", "", `contains an invisible character \u200d`},
		{"soft hyphen", "a@ac\u00adme.com", "", `contains an invisible character \u00ad`},
		{"line separator", "a@acme.com\u2028", "", `contains an invisible character \u2028`},
		{"paragraph separator", "a\u2029@acme.com", "", `contains an invisible character \u2029`},
		{"no-break space", "a@acme.com\u00a0", "", `contains an invisible character \u00a0`},
		{"Hangul filler", "a@\u3164.com", "", `contains an invisible character \u3164`},
		{"variation selector", "a@acme\ufe0f.com", "", `contains an invisible character \ufe0f`},
		{"NUL", "a\x00@acme.com", "", `contains an invisible character \x00`},
		{"not UTF-8", "a\xff@acme.com", "", "is not valid UTF-8 text"},
		{"no dot in the domain", "x@localhost", "", `domain "localhost" is not valid`},
		{"numeric top level", "x@1.2.3.4", "", `domain "1.2.3.4" is not valid`},
		{"one-letter top level", "a@b.c", "", `domain "b.c" is not valid`},
		{"trailing dot", "a@acme.com.", "", `domain "acme.com." is not valid`},
		{"hyphen first", "a@-acme.com", "", `domain "-acme.com" is not valid`},
		{"underscore in the domain", "a@ac_me.com", "", `domain "ac_me.com" is not valid`},
		{"bad punycode", "a@xn--abc.com", "", `domain "xn--abc.com" is not valid`},
		{"punycode hiding ASCII", "a@xn--acme-.com", "", `domain "xn--acme-.com" is not valid`},
		{"IDN top level", "a@пример.рф", "", `domain "пример.рф" ends in a top-level domain Applivery does not accept`},
		{"local part too long", longLocal + "l@x.io", "", "has more than 64 characters before the @"},
		{"address too long", longLocal + "@d" + longDomain, "", "is longer than 254 characters"},
		{"too long once in punycode", longLocal + "@bücher." + strings.Repeat("e", 50) + "." + longDomain[62:], "", // 250 bytes as typed, 257 sent
			"is longer than 254 characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := address.Normalize(tc.in)
			if tc.reason != "" {
				assert.EqualError(t, err, tc.reason)
				return
			}
			assert.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestNormalizeDomain(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"acme.com", "acme.com", true},
		{"ACME.Com", "acme.com", true},
		{"bücher.de", "xn--bcher-kva.de", true},
		{"xn--bcher-kva.de", "xn--bcher-kva.de", true},
		{"İnfo.com", "xn--info-qwc.com", true},
		{"acme", "", false},
		{"@acme.com", "", false},
		{"*.acme.com", "", false},
		{"acme\u200b.com", "", false},
		{"127.0.0.1", "", false},
	} {
		got, ok := address.NormalizeDomain(tc.in)
		assert.Equal(t, tc.ok, ok, tc.in)
		if tc.ok {
			assert.Equal(t, tc.want, got, tc.in)
		}
	}
}

func TestDomainAllowed(t *testing.T) {
	var allowed []string
	for _, d := range []string{"acme.com", "info.com", "partner.io", "bücher.de"} {
		n, ok := address.NormalizeDomain(d)
		assert.True(t, ok, d)
		allowed = append(allowed, n)
	}
	for _, tc := range []struct {
		addr string
		want bool
	}{
		{"ana@acme.com", true},
		{"Ana@ACME.com", true},
		{"bob@partner.io", true},
		{"kim@bücher.de", true},
		{"kim@xn--bcher-kva.de", true},
		{"eve@evil.com", false},
		{"eve@eu.acme.com", false},   // subdomains are not implied
		{"eve@acme.com.evil", false}, // nor suffixes
		{"eve@acme.com@evil.com", false},
		{"eve@аcme.com", false},       // Cyrillic а: xn--cme-5cd.com
		{"eve@İnfo.com", false},       // xn--info-qwc.com, not info.com
		{"eve@acme\u200b.com", false}, // not an address at all
		{"eve@ACME.com\u202e", false},
		{"acme.com", false},
		{"", false},
	} {
		assert.Equal(t, tc.want, address.DomainAllowed(tc.addr, allowed), tc.addr)
	}
	assert.True(t, address.DomainAllowed("anyone@anywhere.org", nil), "no domains listed allows every address")
	assert.True(t, address.DomainAllowed("a@ſtuff.com", []string{"stuff.com"}), "ſ is mapped to s, as it is sent")
	assert.False(t, address.DomainAllowed("a@stuff.com", []string{"ſtuff.com"}), "allowed domains are normalized ones")
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in      string
		addrs   []string
		refused []address.Refusal
	}{
		{"alice@example.com", []string{"alice@example.com"}, nil},
		{"a@example.com, b@example.com;c@example.com\nd@example.com\te@example.com",
			[]string{"a@example.com", "b@example.com", "c@example.com", "d@example.com", "e@example.com"}, nil},
		{"<mailto:alice@example.com|alice@example.com> <mailto:bob@example.com>",
			[]string{"alice@example.com", "bob@example.com"}, nil},
		{"Alice@Example.com alice@example.com", []string{"Alice@Example.com"}, nil},
		{"kim@bücher.de kim@xn--bcher-kva.de <mailto:KIM@BÜCHER.DE|KIM@BÜCHER.DE>", []string{"kim@xn--bcher-kva.de"}, nil},
		{"alice@example.com nope <@U123> <!channel> x@localhost", []string{"alice@example.com"}, []address.Refusal{
			{Input: "nope", Reason: "has no @"},
			{Input: "<@U123>", Reason: `cannot have "<" before the @`},
			{Input: "<!channel>", Reason: "has no @"},
			{Input: "x@localhost", Reason: `domain "localhost" is not valid`},
		}},
		{"<mailto:a@b@acme.com|a@b@acme.com> alice\u202emoc.evil@acme.com a\xff@acme.com", nil, []address.Refusal{
			{Input: "a@b@acme.com", Reason: "has more than one @"},
			{Input: `alice\u202emoc.evil@acme.com`, Reason: `contains an invisible character \u202e`},
			{Input: `a\xff@acme.com`, Reason: "is not valid UTF-8 text"},
		}},
		{"", nil, nil},
	} {
		addrs, refused := address.Parse(tc.in)
		assert.Equal(t, tc.addrs, addrs, tc.in)
		assert.Equal(t, tc.refused, refused, tc.in)
	}
}

func TestFindInProse(t *testing.T) {
	text := "Please add <mailto:alice@example.com|alice@example.com> and bob.smith+qa@partner.io. " +
		"Also alice@example.com again, and (carol@example.co.uk)! 'dave_o@example.com' and kim@bücher.de too."
	assert.Equal(t, []string{"alice@example.com", "bob.smith+qa@partner.io", "carol@example.co.uk",
		"dave_o@example.com", "kim@xn--bcher-kva.de"}, address.Find(text))
	assert.Equal(t, []string{"eve@xn--cme-5cd.com"}, address.Find("from eve@аcme.com"), "look-alikes are shown as what they are")
	assert.Empty(t, address.Find("no addresses here, just @mentions"))
	for _, text := range []string{
		"al\u200bice@acme.com", // not ice@acme.com
		"аlice@acme.com",       // Cyrillic а: not lice@acme.com
		"bob@acme.co\u200bm",   // not bob@acme.co
		"a@b@acme.com",         // not b@acme.com
		"x%y@acme.com",         // not y@acme.com
		"nobody@пример.рф",
	} {
		assert.Empty(t, address.Find(text), text)
	}
}
