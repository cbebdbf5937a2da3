package applivery

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// MaxFilterLength is the longest email filter Applivery accepts, counted in
// characters of the filter as sent, i.e. after escaping.
const MaxFilterLength = 500

// emailFilter is the filter sent for text that must match literally.
// Applivery passes the filter to a MongoDB $regex (the fake server does the
// same), so every metacharacter is escaped: "a+b@x.io" is sent as
// `a\+b@x\.io` and matches exactly the addresses containing "a+b@x.io". The
// limit is checked on the escaped form because that is what the server
// validates; the reference gives the limit in characters, read here as
// Unicode code points.
func emailFilter(text string) (string, error) {
	escaped := regexp.QuoteMeta(text)
	if n := utf8.RuneCountInString(escaped); n > MaxFilterLength {
		return "", fmt.Errorf("applivery: the email filter is %d characters once escaped, more than the %d Applivery accepts: %w", n, MaxFilterLength, ErrFilterTooLong)
	}
	return escaped, nil
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
