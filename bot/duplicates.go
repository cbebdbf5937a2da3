package bot

import (
	"context"
	"sync"
	"time"

	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// Slack may deliver an envelope again (a retry after a slow ack, a reconnect) or to two
// replicas: each is handled once, by one process.

// firstToHandle asks the database whether any process handled this envelope (or its event)
// already. When the database cannot say, the work goes ahead: losing a person's request is
// worse than the rare double delivery, and invites are deduplicated by their claims anyway.
func (b *Bot) firstToHandle(ctx context.Context, evt socketmode.Event) bool {
	if b.d.Store == nil {
		return true
	}
	first := true
	for _, id := range []string{evt.Request.EnvelopeID, eventID(evt)} {
		if id == "" {
			continue
		}
		ok, err := b.d.Store.FirstToHandle(ctx, id)
		if err != nil {
			b.log.Warn("could not check for a duplicate envelope", "envelope_id", evt.Request.EnvelopeID, "error", err)
			return true
		}
		first = first && ok
	}
	return first
}

func eventID(evt socketmode.Event) string {
	if e, ok := evt.Data.(slackevents.EventsAPIEvent); ok {
		if cb, ok := e.Data.(*slackevents.EventsAPICallbackEvent); ok {
			return cb.EventID
		}
	}
	return ""
}

// envelopeLog remembers recent envelope and event ids, so the same envelope delivered twice (a
// retry after a slow ack, a reconnect) is handled once.
type envelopeLog struct {
	mu    sync.Mutex
	ttl   time.Duration
	max   int
	seen  map[string]time.Time
	order []string
}

func newEnvelopeLog(ttl time.Duration, max int) *envelopeLog {
	return &envelopeLog{ttl: ttl, max: max, seen: map[string]time.Time{}}
}

func (l *envelopeLog) duplicate(ids ...string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	for len(l.order) > 0 && (len(l.order) > l.max || now.Sub(l.seen[l.order[0]]) > l.ttl) {
		delete(l.seen, l.order[0])
		l.order = l.order[1:]
	}
	dup := false
	for _, id := range ids {
		if id == "" {
			continue
		}
		if _, ok := l.seen[id]; ok {
			dup = true
			continue
		}
		l.seen[id] = now
		l.order = append(l.order, id)
	}
	return dup
}
