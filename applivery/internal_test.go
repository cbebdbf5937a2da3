package applivery

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

func TestEmailFilterIsALiteralWithinTheLimit(t *testing.T) {
	got, err := emailFilter("ada+beta@example.com")
	require.NoError(t, err)
	assert.Equal(t, `ada\+beta@example\.com`, got)
	assert.True(t, regexp.MustCompile("(?i)"+got).MatchString("xADA+Beta@Example.com"), "matches the address as a MongoDB $regex would")
	assert.False(t, regexp.MustCompile("(?i)"+got).MatchString("adaabeta@example.com"), "+ is not a quantifier")

	for text, ok := range map[string]bool{
		strings.Repeat("a", MaxFilterLength):      true,
		strings.Repeat("a", MaxFilterLength+1):    false,
		strings.Repeat("+", MaxFilterLength/2):    true,  // 500 once escaped
		strings.Repeat("+", MaxFilterLength/2+1):  false, // 502 once escaped
		strings.Repeat("é", MaxFilterLength):      true,  // characters, not bytes
		strings.Repeat("a.", MaxFilterLength/3+1): false,
	} {
		_, err := emailFilter(text)
		if ok {
			assert.NoError(t, err, "%d characters", len([]rune(text)))
		} else {
			assert.ErrorIs(t, err, ErrFilterTooLong, "%d characters", len([]rune(text)))
		}
	}
}

func TestSnippetIsShortAndSingleLine(t *testing.T) {
	assert.Equal(t, "Bad Gateway nginx", snippet([]byte("<html>\n<h1>Bad Gateway</h1>\n\t<p>nginx</p></html>")))
	long := snippet([]byte(strings.Repeat("word ", 100)))
	assert.LessOrEqual(t, len([]rune(long)), 121)
	assert.Equal(t, "?", snippet([]byte{0xff}))
}

func TestGatePauseIsExtendedNeverShortened(t *testing.T) {
	g := NewGate(2)
	start := time.Now()
	g.pause(100 * time.Millisecond)
	g.pause(10 * time.Millisecond)
	g.pause(150 * time.Millisecond)

	release, err := g.acquire(context.Background())
	require.NoError(t, err)
	release()
	assert.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond, "the longest pause was waited out")
	stats := g.Stats()
	assert.Equal(t, GateStats{Paused: stats.Paused}, stats)
	assert.InDelta(t, 150*time.Millisecond, stats.Paused, float64(10*time.Millisecond), "overlapping pauses count once")

	g.pause(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = g.acquire(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	stats = g.Stats()
	assert.Zero(t, stats.Waiting, "a caller that gave up no longer waits")
	assert.Less(t, stats.Paused, time.Second+150*time.Millisecond, "only time already spent paused counts")
}
