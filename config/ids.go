package config

import (
	"regexp"
	"strings"
)

// Slack ids are an upper-case type letter followed by upper-case letters and
// digits; real ones are 9 to 11 characters today, so only a floor is set.
var (
	channelIDPattern   = regexp.MustCompile(`^[CGD][A-Z0-9]{8,}$`)
	userIDPattern      = regexp.MustCompile(`^[UW][A-Z0-9]{8,}$`)
	usergroupIDPattern = regexp.MustCompile(`^S[A-Z0-9]{8,}$`)
	hexIDPattern       = regexp.MustCompile(`^[0-9a-f]{24}$`)
)

// normalizeHexID lower-cases an Applivery (MongoDB ObjectId) id so ids
// copied in either case compare equal; ok is false when it is not 24 hex
// digits.
func normalizeHexID(id string) (string, bool) {
	lower := strings.ToLower(id)
	return lower, hexIDPattern.MatchString(lower)
}
