// Package address decides what an email address is, for every surface of the bot: what may be
// sent to Applivery, how it is written, why anything else is refused, and whether its domain is
// on a channel's allowlist.
//
// An address is plain printable ASCII, because what people are shown must be what is sent: an
// internationalised domain is converted to its ASCII (punycode) form, so a look-alike such as
// аcme.com (Cyrillic а) becomes xn--cme-8cd.com and can never pass for acme.com, and characters
// that show as nothing or reorder text (zero-width spaces, bidi overrides) are refused outright.
package address

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Limits of an address, in bytes (an accepted address is ASCII, so bytes are characters).
const (
	MaxLength      = 254 // the whole address
	MaxLocalLength = 64  // the part before the @
)

// domainPattern is the domain half of Applivery's documented address pattern,
//
//	^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$
//
// for a lower-cased domain, within DNS's limit of 63 bytes a label. checkLocal applies the rest,
// look-aheads included, which Go's regexp does not have.
var domainPattern = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)

// Normalize returns s as the address the bot sends to Applivery: unchanged, except that an
// internationalised domain is replaced by its ASCII (punycode) form. When s is not such an
// address the error says why in a few words for people, such as "has no @", with any invisible
// character written as an escape (\u202e).
func Normalize(s string) (string, error) {
	if err := checkCharacters(s); err != nil {
		return "", err
	}
	local, domain, err := split(s)
	if err != nil {
		return "", err
	}
	if err := checkLocal(local); err != nil {
		return "", err
	}
	ascii, err := asciiDomain(domain)
	if err != nil {
		return "", err
	}
	if isASCII(domain) {
		ascii = domain // as typed: the same name, and the spelling people recognise
	}
	addr := local + "@" + ascii
	if len(addr) > MaxLength {
		return "", fmt.Errorf("is longer than %d characters", MaxLength)
	}
	return addr, nil
}

// NormalizeDomain returns an email domain, such as an allowlist entry, in the lower-case ASCII
// form DomainAllowed compares; ok is false unless it is a domain an address may have.
func NormalizeDomain(domain string) (string, bool) {
	ascii, err := asciiDomain(domain)
	return ascii, err == nil
}

// DomainAllowed reports whether addr is an address whose domain is one of allowed, which are
// domains as NormalizeDomain returns them. Only the exact domain counts (sub.acme.com is not
// acme.com), and every address is allowed when allowed is empty.
func DomainAllowed(addr string, allowed []string) bool {
	if len(allowed) == 0 {
		return true
	}
	addr, err := Normalize(addr)
	if err != nil {
		return false
	}
	return slices.Contains(allowed, strings.ToLower(addr[strings.LastIndexByte(addr, '@')+1:]))
}

// checkCharacters refuses what cannot be shown faithfully: bytes that are not text, and
// characters that are invisible or change how the text around them is displayed.
func checkCharacters(s string) error {
	if s == "" {
		return errors.New("is empty")
	}
	if !utf8.ValidString(s) {
		return errors.New("is not valid UTF-8 text")
	}
	for _, r := range s {
		switch {
		case r == ' ':
			return errors.New("contains a space")
		case invisible(r):
			return fmt.Errorf("contains an invisible character %s", escape(r))
		}
	}
	return nil
}

// invisible reports characters that show as nothing, or as blank, or that change how the text
// around them is displayed: controls, format characters (zero-width spaces and joiners, bidi
// overrides, soft hyphens, tags), spaces, line and paragraph separators, and the other
// default-ignorable ones (variation selectors, Hangul fillers), plus the blank braille pattern.
func invisible(r rune) bool {
	return r == '\u2800' || unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zs, unicode.Zl, unicode.Zp,
		unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point)
}

// escape writes r as a Go string literal would: \u202e, \x00, \t.
func escape(r rune) string {
	q := strconv.QuoteRuneToASCII(r)
	return q[1 : len(q)-1]
}

func split(s string) (local, domain string, err error) {
	local, domain, found := strings.Cut(s, "@")
	switch {
	case !found:
		return "", "", errors.New("has no @")
	case strings.Contains(domain, "@"):
		return "", "", errors.New("has more than one @")
	case local == "":
		return "", "", errors.New("has nothing before the @")
	case domain == "":
		return "", "", errors.New("has nothing after the @")
	}
	return local, domain, nil
}

// checkLocal applies Applivery's rules to the part before the @. It must already be ASCII: unlike
// a domain, it has no standard ASCII form, and a look-alike letter there would reach Applivery.
func checkLocal(local string) error {
	if i := strings.IndexFunc(local, func(r rune) bool { return r >= utf8.RuneSelf }); i >= 0 {
		r, _ := utf8.DecodeRuneInString(local[i:])
		return fmt.Errorf("has a non-ASCII character %s before the @", escape(r))
	}
	if i := strings.IndexFunc(local, func(r rune) bool { return !localCharacter(byte(r)) }); i >= 0 {
		return fmt.Errorf("cannot have %q before the @", local[i:i+1])
	}
	switch last := local[len(local)-1:]; {
	case strings.HasPrefix(local, "."):
		return errors.New("starts with a dot")
	case strings.Contains(local, ".."):
		return errors.New("has two dots in a row")
	case last == "." || last == "'":
		return fmt.Errorf("cannot have %q right before the @", last)
	case len(local) > MaxLocalLength:
		return fmt.Errorf("has more than %d characters before the @", MaxLocalLength)
	}
	return nil
}

// localCharacter reports the characters Applivery allows before the @: [A-Za-z0-9_'+\-.].
func localCharacter(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("_'+-.", c) >= 0
}

// asciiDomain converts a domain with the IDNA Lookup profile (which also lower-cases it) and
// checks the result against Applivery's pattern and DNS's length limits.
func asciiDomain(domain string) (string, error) {
	if err := checkCharacters(domain); err != nil {
		return "", err
	}
	invalid := fmt.Errorf("domain %q is not valid", domain)
	ascii, err := idna.Lookup.ToASCII(domain)
	if err != nil || len(ascii) > 253 {
		return "", invalid
	}
	if !domainPattern.MatchString(ascii) {
		// Applivery wants a top-level domain of ASCII letters, so пример.рф (xn--p1ai) cannot be
		// invited, however real it is: say so rather than call the domain invalid.
		if tld := ascii[strings.LastIndexByte(ascii, '.')+1:]; strings.HasPrefix(tld, "xn--") {
			return "", fmt.Errorf("domain %q ends in a top-level domain Applivery does not accept", domain)
		}
		return "", invalid
	}
	return ascii, nil
}

func isASCII(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return r >= utf8.RuneSelf })
}
