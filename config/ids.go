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
	domainLabelPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
)

// normalizeHexID lower-cases an Applivery (MongoDB ObjectId) id so ids
// copied in either case compare equal; ok is false when it is not 24 hex
// digits.
func normalizeHexID(id string) (string, bool) {
	lower := strings.ToLower(id)
	return lower, hexIDPattern.MatchString(lower)
}

// normalizeDomain lower-cases an email domain; ok is false unless it is a
// plain DNS name with at least two labels and a non-numeric top level (so
// IP addresses, wildcards and "@acme.com" are refused).
func normalizeDomain(domain string) (string, bool) {
	lower := strings.ToLower(domain)
	labels := strings.Split(lower, ".")
	if len(lower) > 253 || len(labels) < 2 {
		return lower, false
	}
	for _, label := range labels {
		if !domainLabelPattern.MatchString(label) {
			return lower, false
		}
	}
	tld := labels[len(labels)-1]
	return lower, strings.ContainsFunc(tld, func(r rune) bool { return r >= 'a' && r <= 'z' })
}
