package applivery

import (
	"strings"
)

// regexMeta are the characters that stop an email from matching itself when
// a server treats the filter as a regular expression ("a+b@x.io" does not
// match the text "a+b@x.io"). A dot is left alone: as a regex it still
// matches a literal dot.
const regexMeta = `\^$|?*+()[]{}`

// emailSearchTerm is the filter sent when looking a tester up: the longest
// stretch of the address free of regex metacharacters. It matches the
// address whether the server treats the filter as a plain substring or as
// a regular expression; the exact comparison happens afterwards.
func emailSearchTerm(email string) string {
	email = strings.TrimSpace(email)
	var best string
	for _, part := range strings.FieldsFunc(email, func(r rune) bool { return strings.ContainsRune(regexMeta, r) }) {
		if len(part) > len(best) {
			best = part
		}
	}
	return best
}

// matchOTPUser picks the user whose email is exactly email, ignoring case
// and surrounding space, and who belongs to the published app (when the
// server told us which app a user belongs to).
func matchOTPUser(users []OTPUser, publishedAppID, email string) *OTPUser {
	want := strings.TrimSpace(email)
	for i := range users {
		u := &users[i]
		if !strings.EqualFold(strings.TrimSpace(u.Email), want) {
			continue
		}
		if publishedAppID != "" && u.PublishedApplicationID != "" && u.PublishedApplicationID != publishedAppID {
			continue
		}
		found := *u
		return &found
	}
	return nil
}
