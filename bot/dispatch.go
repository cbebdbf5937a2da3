package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// reply is what a handler decides within the ack deadline: the ack's payload (nil for an empty
// ack) and, optionally, slow work to run after the ack has been sent.
type reply struct {
	ack   any
	after func(ctx context.Context)
}

// who identifies the person behind an envelope and where to answer them.
type who struct {
	userID, channelID, responseURL string
}

// dispatch handles one envelope: exactly one handler, exactly one ack, slow work after it. A
// panic anywhere is recovered, logged with a reference id, and the person is told.
func (b *Bot) dispatch(evt socketmode.Event) {
	req := evt.Request
	if req == nil {
		return
	}
	start := time.Now()
	if b.seen.duplicate(req.EnvelopeID, eventID(evt)) {
		b.ack(evt, nil, start)
		b.log.Info("duplicate envelope ignored", "envelope_id", req.EnvelopeID, "type", req.Type)
		return
	}
	r, ok := b.safely(evt, func() reply { return b.route(evt) })
	if !ok {
		b.ack(evt, nil, start)
		return
	}
	b.ack(evt, r.ack, start)
	switch {
	case r.after == nil:
	case b.draining.Load():
		b.refuseWhileDraining(evt)
	default:
		b.goWork(evt, r.after)
	}
}

// refuseWhileDraining answers new work during a graceful shutdown: a modal where a trigger id
// allows one (shortcuts, buttons), else a private message. App Home refreshes are skipped.
func (b *Bot) refuseWhileDraining(evt socketmode.Event) {
	ctx := context.WithoutCancel(b.workCtx)
	w := whoOf(evt)
	if cb, ok := evt.Data.(slack.InteractionCallback); ok && cb.TriggerID != "" && cb.Type != slack.InteractionTypeViewSubmission {
		b.openNotice(ctx, w, cb.TriggerID, "Tester invites", restartingText)
		return
	}
	if evt.Type != socketmode.EventTypeEventsAPI {
		b.tell(ctx, w, restartingText)
	}
}

func (b *Bot) ack(evt socketmode.Event, payload any, start time.Time) {
	var err error
	if payload == nil {
		err = b.d.Socket.Ack(*evt.Request)
	} else {
		err = b.d.Socket.Ack(*evt.Request, payload)
	}
	b.metrics.AckLatency(string(evt.Type), time.Since(start))
	if err != nil {
		b.log.Error("ack failed", "envelope_id", evt.Request.EnvelopeID, "type", evt.Request.Type, "error", err.Error())
	}
}

// goWork runs slow work on the bot's work context, counted so shutdown can wait for it.
func (b *Bot) goWork(evt socketmode.Event, work func(ctx context.Context)) {
	b.work.start()
	b.metrics.InFlight(1)
	go func() {
		defer b.work.done()
		defer b.metrics.InFlight(-1)
		b.safely(evt, func() reply { work(b.workCtx); return reply{} })
	}()
}

// safely runs f, turning a panic into a log line with a reference id and a message to the
// person, so one bad event never takes the bot down.
func (b *Bot) safely(evt socketmode.Event, f func() reply) (r reply, ok bool) {
	defer func() {
		if p := recover(); p != nil {
			ref := newRef()
			b.log.Error("panic while handling envelope", "ref", ref, "type", string(evt.Type),
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			b.tell(context.WithoutCancel(b.workCtx), whoOf(evt),
				fmt.Sprintf(":warning: Something went wrong on my side. Nothing more will happen for this request; please try again. If it keeps happening, give your admin this reference: `%s`.", ref))
			ok = false
		}
	}()
	return f(), true
}

// route picks the one handler for an envelope.
func (b *Bot) route(evt socketmode.Event) reply {
	switch evt.Type {
	case socketmode.EventTypeSlashCommand:
		cmd, _ := evt.Data.(slack.SlashCommand)
		return b.onCommand(cmd)
	case socketmode.EventTypeEventsAPI:
		e, _ := evt.Data.(slackevents.EventsAPIEvent)
		if home, ok := e.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent); ok && home.Tab == "home" {
			return reply{after: func(ctx context.Context) { b.publishHome(ctx, home.User) }}
		}
	case socketmode.EventTypeInteractive:
		cb, _ := evt.Data.(slack.InteractionCallback)
		return b.routeInteraction(cb)
	}
	return reply{}
}

func (b *Bot) routeInteraction(cb slack.InteractionCallback) reply {
	switch cb.Type {
	case slack.InteractionTypeShortcut:
		if cb.CallbackID == callbackGlobalShortcut {
			return b.onGlobalShortcut(cb)
		}
	case slack.InteractionTypeMessageAction:
		if cb.CallbackID == callbackMessageShortcut {
			return b.onMessageShortcut(cb)
		}
	case slack.InteractionTypeViewSubmission:
		switch cb.View.CallbackID {
		case callbackInviteModal:
			return b.onInviteSubmit(cb)
		case callbackFindModal:
			return b.onFindSubmit(cb)
		}
	case slack.InteractionTypeBlockActions:
		if len(cb.ActionCallback.BlockActions) == 0 {
			return reply{}
		}
		action := cb.ActionCallback.BlockActions[0]
		switch action.ActionID {
		case actionHomeInvite:
			return b.onHomeInvite(cb)
		case actionHomeFind:
			return b.onHomeFind(cb)
		case actionRevoke:
			return b.onRevoke(cb, action)
		case actionFindRemove:
			return b.onFindRemove(cb, action)
		}
	}
	return reply{}
}

func whoOf(evt socketmode.Event) who {
	switch d := evt.Data.(type) {
	case slack.SlashCommand:
		return who{userID: d.UserID, channelID: d.ChannelID, responseURL: d.ResponseURL}
	case slack.InteractionCallback:
		w := who{userID: d.User.ID, channelID: d.Channel.ID, responseURL: d.ResponseURL}
		if len(d.ResponseURLs) > 0 && w.responseURL == "" {
			w.responseURL = d.ResponseURLs[0].ResponseURL
		}
		return w
	case slackevents.EventsAPIEvent:
		if home, ok := d.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent); ok {
			return who{userID: home.User}
		}
	}
	return who{}
}

func eventID(evt socketmode.Event) string {
	if e, ok := evt.Data.(slackevents.EventsAPIEvent); ok {
		if cb, ok := e.Data.(*slackevents.EventsAPICallbackEvent); ok {
			return cb.EventID
		}
	}
	return ""
}

// tell sends a private message to a person: through response_url when there is one (it works
// in channels the bot is not in), else as an ephemeral message, else as a direct message.
func (b *Bot) tell(ctx context.Context, w who, text string) {
	var err error
	switch {
	case w.responseURL != "":
		err = b.slack.respond(ctx, w.responseURL, &slack.WebhookMessage{Text: text, ResponseType: slack.ResponseTypeEphemeral})
	case w.channelID != "" && w.userID != "":
		err = b.slack.ephemeral(ctx, w.channelID, w.userID, slack.MsgOptionText(text, false))
		if err != nil {
			_, err = b.slack.post(ctx, w.userID, slack.MsgOptionText(text, false))
		}
	case w.userID != "":
		_, err = b.slack.post(ctx, w.userID, slack.MsgOptionText(text, false))
	default:
		return
	}
	if err != nil {
		b.log.Warn("could not tell the user", "user", w.userID, "error", err.Error())
	}
}

// ephemeralAck is a slash command ack that shows text only to the person who typed it.
func ephemeralAck(text string) map[string]any {
	return map[string]any{"response_type": "ephemeral", "text": text}
}

func newRef() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
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
