package invite

import (
	"net/mail"
	"regexp"
	"strings"
)

// ParseEmails splits what a person typed (or pasted into the modal) into the addresses it names.
// Addresses may be separated by spaces, commas, semicolons or new lines, and Slack may have turned
// each into a link: <mailto:alice@example.com|alice@example.com>. Duplicates are merged
// case-insensitively, keeping the first spelling, so one request never invites a person twice.
// Tokens that are not addresses come back in invalid, in order, so they can be shown to the person.
func ParseEmails(text string) (emails, invalid []string) {
	seen := map[string]bool{}
	for _, token := range strings.FieldsFunc(text, isSeparator) {
		email, ok := normalizeEmail(unwrapSlackLink(token))
		if !ok {
			invalid = append(invalid, token)
			continue
		}
		if key := strings.ToLower(email); !seen[key] {
			seen[key] = true
			emails = append(emails, email)
		}
	}
	return emails, invalid
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

// normalizeEmail accepts a bare address (no display name, no angle brackets) whose domain has a
// dot, the shape Applivery accepts, and returns it trimmed.
func normalizeEmail(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 254 || strings.ContainsAny(s, "<>\"() ") {
		return "", false
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || addr.Name != "" {
		return "", false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	if at < 1 || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return "", false
	}
	return s, true
}

// ValidEmail reports whether s is one address the bot would send to Applivery.
func ValidEmail(s string) bool {
	_, ok := normalizeEmail(s)
	return ok
}

// emailInProse finds addresses inside free text, where they sit among words and punctuation.
var emailInProse = regexp.MustCompile(`(?i)[a-z0-9._%+'-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}`)

// FindEmails extracts the addresses mentioned anywhere in a message, in order, without
// duplicates: plain ones and Slack's <mailto:…|…> links. It is what the message shortcut uses to
// prefill the invite modal, so it is lenient about the text around the addresses.
func FindEmails(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, candidate := range emailInProse.FindAllString(text, -1) {
		candidate = strings.TrimRight(candidate, ".-")
		email, ok := normalizeEmail(candidate)
		if !ok {
			continue
		}
		if key := strings.ToLower(email); !seen[key] {
			seen[key] = true
			out = append(out, email)
		}
	}
	return out
}

// Domain returns the lower-cased domain of an address.
func Domain(email string) string {
	return strings.ToLower(email[strings.LastIndexByte(email, '@')+1:])
}
