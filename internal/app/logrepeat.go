package app

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// repeatLimiter keeps an outage from flooding the log: a WARN or ERROR line that repeats (same
// level, message and error) is written the first time, then at most once a window, carrying
// how many like it were left out meanwhile ("repeated"). Every loop that meets a database or
// Slack outage would otherwise log each of its rounds. Lines below WARN pass untouched.
type repeatLimiter struct {
	inner slog.Handler
	state *repeatState // shared with the handlers WithAttrs and WithGroup derive
}

type repeatState struct {
	mu     sync.Mutex
	window time.Duration
	now    func() time.Time
	seen   map[string]*repeated
}

type repeated struct {
	written time.Time // when a line with this key was last written
	skipped int       // lines left out since
}

// repeatWindow is how often a repeating line is written.
const repeatWindow = time.Minute

// maxRepeatKeys bounds the memory of keys; older ones are forgotten first.
const maxRepeatKeys = 1000

func newRepeatLimiter(inner slog.Handler) *repeatLimiter {
	return &repeatLimiter{inner: inner, state: &repeatState{window: repeatWindow, now: time.Now, seen: map[string]*repeated{}}}
}

func (h *repeatLimiter) Enabled(ctx context.Context, level slog.Level) bool {
	return h.inner.Enabled(ctx, level)
}

func (h *repeatLimiter) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelWarn {
		return h.inner.Handle(ctx, r)
	}
	skipped, write := h.state.admit(r.Level.String() + "\x00" + r.Message + "\x00" + errorOf(r))
	if !write {
		return nil
	}
	if skipped > 0 {
		r = r.Clone()
		r.AddAttrs(slog.Int("repeated", skipped), slog.String("repeated_within", h.state.window.String()))
	}
	return h.inner.Handle(ctx, r)
}

func (h *repeatLimiter) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &repeatLimiter{inner: h.inner.WithAttrs(attrs), state: h.state}
}

func (h *repeatLimiter) WithGroup(name string) slog.Handler {
	return &repeatLimiter{inner: h.inner.WithGroup(name), state: h.state}
}

// admit reports whether a line with key is written now, and how many were left out before it.
func (s *repeatState) admit(key string) (skipped int, write bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if r, ok := s.seen[key]; ok {
		if now.Sub(r.written) < s.window {
			r.skipped++
			return 0, false
		}
		skipped = r.skipped
	}
	if len(s.seen) >= maxRepeatKeys {
		s.forgetOld(now)
	}
	s.seen[key] = &repeated{written: now}
	return skipped, true
}

// forgetOld drops the keys not written within the window; if all are recent, all go.
func (s *repeatState) forgetOld(now time.Time) {
	for k, r := range s.seen {
		if now.Sub(r.written) >= s.window {
			delete(s.seen, k)
		}
	}
	if len(s.seen) >= maxRepeatKeys {
		clear(s.seen)
	}
}

// errorOf is the record's "error" attribute, which tells one failure from another.
func errorOf(r slog.Record) string {
	var text string
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "error" {
			text = a.Value.String()
			return false
		}
		return true
	})
	return text
}
