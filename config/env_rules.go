package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// envRules check (and where harmless, normalize) one variable each, after it
// parsed. A rule returns the rest of a sentence that starts with the
// variable's name, or "" when the value is fine. Messages about secrets never
// include the value.
var envRules = map[string]func(e *Env) string{
	"SLACK_APP_TOKEN":         func(e *Env) string { return checkToken(e.SlackAppToken, "xapp-", "xoxb-", "SLACK_BOT_TOKEN") },
	"SLACK_BOT_TOKEN":         func(e *Env) string { return checkToken(e.SlackBotToken, "xoxb-", "xapp-", "SLACK_APP_TOKEN") },
	"APPLIVERY_API_TOKEN":     func(e *Env) string { return checkToken(e.AppliveryAPIToken, "", "", "") },
	"APPLIVERY_ORGANIZATION":  func(e *Env) string { return checkSlug(e.AppliveryOrganization) },
	"SLACK_API_URL":           func(e *Env) string { return checkBaseURL(&e.SlackAPIURL, withTrailingSlash) },
	"APPLIVERY_API_URL":       func(e *Env) string { return checkBaseURL(&e.AppliveryAPIURL, withoutTrailingSlash) },
	"LOG_LEVEL":               func(e *Env) string { return checkOneOf(&e.LogLevel, "debug", "info", "warn", "error") },
	"LOG_FORMAT":              func(e *Env) string { return checkOneOf(&e.LogFormat, "json", "text") },
	"QA_LEADS_CACHE_TTL":      func(e *Env) string { return checkPositiveDuration(e.QALeadsCacheTTL) },
	"APPLIVERY_TIMEOUT":       func(e *Env) string { return checkPositiveDuration(e.AppliveryTimeout) },
	"SHUTDOWN_TIMEOUT":        func(e *Env) string { return checkPositiveDuration(e.ShutdownTimeout) },
	"MAX_EMAILS_PER_REQUEST":  func(e *Env) string { return checkRange(e.MaxEmailsPerRequest, 1, 1000) },
	"INVITE_CONCURRENCY":      func(e *Env) string { return checkRange(e.InviteConcurrency, 1, 32) },
	"APPLIVERY_MAX_IN_FLIGHT": func(e *Env) string { return checkRange(e.AppliveryMaxInFlight, 1, 64) },
	"LEASE_TTL":               func(e *Env) string { return checkDurationRange(e.LeaseTTL, 5*time.Second, 10*time.Minute) },
	"REQUEST_TTL":             func(e *Env) string { return checkDurationRange(e.RequestTTL, time.Hour, 90*24*time.Hour) },
	"MAX_COMMAND_BYTES":       func(e *Env) string { return checkRange(e.MaxCommandBytes, 1, 1<<20) },
	"HTTP_ADDR":               func(e *Env) string { return checkListenAddr(e.HTTPAddr) },
	"DATABASE_URL":            func(e *Env) string { return checkDatabaseURL(e.DatabaseURL) },
}

// checkToken verifies a secret's shape without ever echoing it. swapPrefix
// and swapName catch the classic mistake of pasting the app token into the
// bot token variable and vice versa.
func checkToken(token, prefix, swapPrefix, swapName string) string {
	if strings.ContainsFunc(token, isSpace) {
		return "contains whitespace; paste the token again"
	}
	if prefix == "" || strings.HasPrefix(token, prefix) {
		return ""
	}
	if strings.HasPrefix(token, swapPrefix) {
		return fmt.Sprintf("must start with %s, not %s; is it swapped with %s?", prefix, swapPrefix, swapName)
	}
	return "must start with " + prefix
}

func isSpace(r rune) bool { return strings.ContainsRune(" \t\r\n\v\f", r) }

// slugPattern keeps the organization safe to place in a URL path unescaped.
var slugPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

func checkSlug(slug string) string {
	if slugPattern.MatchString(slug) {
		return ""
	}
	return "must be the workspace slug (letters, digits, '.', '_' or '-'), got " + quote(slug)
}

type slashPolicy bool

const (
	withTrailingSlash    slashPolicy = true
	withoutTrailingSlash slashPolicy = false
)

// checkBaseURL requires an absolute http(s) URL without query or fragment,
// because clients append paths to it, and fixes the trailing slash so that
// appending is predictable. The value is not echoed since URLs can carry
// credentials.
func checkBaseURL(raw *string, slash slashPolicy) string {
	u, err := url.Parse(*raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "must be an absolute http:// or https:// URL"
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return "must not have a query (?...) or fragment (#...)"
	}
	trimmed := strings.TrimRight(*raw, "/")
	if slash == withTrailingSlash {
		trimmed += "/"
	}
	*raw = trimmed
	return ""
}

// checkDatabaseURL accepts PostgreSQL's URI form, the only form the store
// opens (pgx reads exactly these two prefixes as a URI). The value is never
// echoed: it usually holds a password.
func checkDatabaseURL(raw string) string {
	if raw == "" {
		return ""
	}
	if !strings.HasPrefix(raw, "postgres://") && !strings.HasPrefix(raw, "postgresql://") {
		return "must be a postgres:// or postgresql:// URL"
	}
	if _, err := url.Parse(raw); err != nil {
		return "is not a valid URL; percent-encode special characters in the user name and password"
	}
	return ""
}

// checkOneOf accepts any letter case and stores the lower-case form.
func checkOneOf(value *string, allowed ...string) string {
	lower := strings.ToLower(*value)
	if !slices.Contains(allowed, lower) {
		return fmt.Sprintf("must be one of %s, got %s", strings.Join(allowed, ", "), quote(*value))
	}
	*value = lower
	return ""
}

func checkPositiveDuration(d time.Duration) string {
	if d > 0 {
		return ""
	}
	return "must be a positive duration such as 30s or 5m, got " + d.String()
}

func checkDurationRange(d, lowest, highest time.Duration) string {
	if d >= lowest && d <= highest {
		return ""
	}
	return fmt.Sprintf("must be between %s and %s, got %s", lowest, highest, d)
}

func checkRange(n, lowest, highest int) string {
	if n >= lowest && n <= highest {
		return ""
	}
	return fmt.Sprintf("must be between %d and %d, got %d", lowest, highest, n)
}

func checkListenAddr(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err == nil {
		if n, convErr := strconv.Atoi(port); convErr == nil && n >= 0 && n <= 65535 {
			return ""
		}
	}
	return "must be a listen address such as :8080 or 127.0.0.1:8080, got " + quote(addr)
}
