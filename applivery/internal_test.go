package applivery

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestBackoffDoublesUpToTheCap(t *testing.T) {
	p := retryPolicy{maxAttempts: 10, baseDelay: 500 * time.Millisecond, maxDelay: 3 * time.Second}
	var got []time.Duration
	for attempt := 1; attempt <= 5; attempt++ {
		got = append(got, p.backoff(attempt))
	}
	assert.Equal(t, []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second}, got)
}

func TestJitterStaysWithinHalfAndFull(t *testing.T) {
	for range 1000 {
		d := jitter(time.Second)
		assert.True(t, d >= 500*time.Millisecond && d <= time.Second, "%v", d)
	}
	assert.Equal(t, time.Duration(0), jitter(0))
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := map[string]time.Duration{
		"":               0,
		"7":              7 * time.Second,
		" 7 ":            7 * time.Second,
		"-3":             0,
		"99999999999999": 24 * time.Hour,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Minute).Format(http.TimeFormat):     0,
		"tomorrow": 0,
	}
	for header, want := range cases {
		assert.Equal(t, want, parseRetryAfter(header, now), "Retry-After %q", header)
	}
}

func TestEmailSearchTerm(t *testing.T) {
	cases := map[string]string{
		"ada@example.com":         "ada@example.com",
		" ada@example.com ":       "ada@example.com",
		"ada+beta@example.com":    "beta@example.com",
		"a.very.long+x@ex.io":     "a.very.long",
		"weird$name{1}@example.z": "@example.z",
		"+++":                     "",
	}
	for email, want := range cases {
		assert.Equal(t, want, emailSearchTerm(email), email)
	}
}

func TestSnippetIsShortAndSingleLine(t *testing.T) {
	assert.Equal(t, "Bad Gateway nginx", snippet([]byte("<html>\n<h1>Bad Gateway</h1>\n\t<p>nginx</p></html>")))
	long := snippet([]byte(strings.Repeat("word ", 100)))
	assert.LessOrEqual(t, len([]rune(long)), 121)
	assert.Equal(t, "?", snippet([]byte{0xff}))
}
