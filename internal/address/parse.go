package address

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Refusal is a piece of what a person typed that is not an address, and why.
type Refusal struct {
	// Input is the piece as typed (the address inside a Slack link), with invisible characters
	// and bytes that are not text written as escapes (\u202e, \xff), so that showing it can
	// neither hide nor reorder anything.
	Input string
	// Reason says what is wrong in a few words that follow the input, such as "has no @".
	Reason string
}

// Parse splits what a person typed (or pasted into the modal) into the addresses it names, as
// Normalize returns them. Addresses may be separated by spaces, commas, semicolons or new lines,
// and Slack may have turned each into a link: <mailto:alice@example.com|alice@example.com>.
// Duplicates are merged case-insensitively, keeping the first spelling, so one request never
// invites a person twice. Pieces that are not addresses are refused, in order, so they can be
// shown to the person with the reason.
func Parse(text string) (addrs []string, refused []Refusal) {
	seen := map[string]bool{}
	for _, token := range strings.FieldsFunc(text, isSeparator) {
		token = unwrapSlackLink(token)
		addr, err := Normalize(token)
		if err != nil {
			refused = append(refused, Refusal{Input: visible(token), Reason: err.Error()})
			continue
		}
		if key := strings.ToLower(addr); !seen[key] {
			seen[key] = true
			addrs = append(addrs, addr)
		}
	}
	return addrs, refused
}

func isSeparator(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', ',', ';':
		return true
	}
	return false
}

// unwrapSlackLink turns Slack's <mailto:a@b.c|a@b.c> (or <mailto:a@b.c>) into a@b.c.
// Slack only ever wraps the whole address, so anything else is returned unchanged.
func unwrapSlackLink(token string) string {
	if !strings.HasPrefix(token, "<") || !strings.HasSuffix(token, ">") {
		return token
	}
	inner := strings.TrimSuffix(strings.TrimPrefix(token, "<"), ">")
	target, _, _ := strings.Cut(inner, "|")
	// Compare the scheme in place: lower-casing the whole target could change its length
	// (non-ASCII letters), and the address must be cut from the original text.
	const scheme = "mailto:"
	if len(target) >= len(scheme) && strings.EqualFold(target[:len(scheme)], scheme) {
		return target[len(scheme):]
	}
	return token
}

// visible writes invisible characters and bytes that are not text as escapes.
func visible(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[0])
		case r != ' ' && invisible(r):
			b.WriteString(escape(r))
		default:
			b.WriteString(s[:size])
		}
		s = s[size:]
	}
	return b.String()
}

// inProse finds what may be an address inside free text, where it sits among words and
// punctuation: Applivery's characters before the @ ('%' too, so that a%b@x.io is not read as
// b@x.io), and after it dot-separated labels of letters, marks, digits and hyphens in any script,
// so that internationalised domains are found too. Normalize decides what a candidate is.
var inProse = regexp.MustCompile(`[A-Za-z0-9_.%+'-]+@[\p{L}\p{M}\p{N}-]+(?:\.[\p{L}\p{M}\p{N}-]+)+`)

// Find extracts the addresses mentioned anywhere in a message, in order, as Normalize returns
// them and without duplicates: plain ones and Slack's <mailto:…|…> links. It is what the message
// shortcut uses to prefill the invite modal, so it is lenient about the text around the addresses
// and silently skips whatever is not one.
func Find(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, at := range inProse.FindAllStringIndex(text, -1) {
		before, _ := utf8.DecodeLastRuneInString(text[:at[0]])
		after, _ := utf8.DecodeRuneInString(text[at[1]:])
		if partOfWord(before) || partOfWord(after) {
			continue
		}
		// An address in 'single quotes' starts after the quote.
		addr, err := Normalize(strings.TrimLeft(text[at[0]:at[1]], "'"))
		if err != nil {
			continue
		}
		if key := strings.ToLower(addr); !seen[key] {
			seen[key] = true
			out = append(out, addr)
		}
	}
	return out
}

// partOfWord reports a character that makes a candidate only part of what is written: in
// al\u200bice@acme.com, аlice@acme.com (Cyrillic а) or b@acme.co\u200bm, the candidates
// ice@acme.com, lice@acme.com and b@acme.co are not what the person sees.
func partOfWord(r rune) bool {
	return r == '@' || unicode.In(r, unicode.L, unicode.M, unicode.N) || r != ' ' && invisible(r)
}
