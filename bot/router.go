package bot

import (
	"context"
	"crypto/rand"
	"fmt"
	"runtime/debug"
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
	// opens says after's first Slack call is views.open on the envelope's trigger_id, which
	// Slack takes for 3 s only: nothing, not even the duplicate check in the database, may come
	// before it (see handledHere).
	opens bool
}

// routeKey names what an envelope asks for, the way slack-go's SocketmodeHandler keys its
// handlers: the kind of envelope and its callback id, action id or command name.
type routeKey struct {
	kind string // "command", an interaction type such as "block_actions", or "event"
	id   string // command name, callback id, action id or inner event type
}

// route is one entry of the bot's route table. Each surface's file lists its own routes.
type route struct {
	key    routeKey
	handle func(evt socketmode.Event) reply
}

const (
	kindCommand = "command"
	kindEvent   = "event"
)

// onCommand routes a slash command by name.
func onCommand(name string, h func(slack.SlashCommand) reply) route {
	return route{routeKey{kindCommand, name}, func(evt socketmode.Event) reply {
		cmd, _ := evt.Data.(slack.SlashCommand)
		return h(cmd)
	}}
}

// onInteraction routes an interaction by type and by callback id (shortcuts, view submissions)
// or action id (block actions, block suggestions).
func onInteraction(t slack.InteractionType, id string, h func(slack.InteractionCallback) reply) route {
	return route{routeKey{string(t), id}, func(evt socketmode.Event) reply {
		cb, _ := evt.Data.(slack.InteractionCallback)
		return h(cb)
	}}
}

// onEvent routes an Events API event by its inner type.
func onEvent(innerType string, h func(slackevents.EventsAPIEvent) reply) route {
	return route{routeKey{kindEvent, innerType}, func(evt socketmode.Event) reply {
		e, _ := evt.Data.(slackevents.EventsAPIEvent)
		return h(e)
	}}
}

// routeTable gathers every surface's routes. Two surfaces claiming one key is a programming
// error, caught when the bot is built, because Slack must get exactly one ack per envelope.
func routeTable(groups ...[]route) map[routeKey]func(socketmode.Event) reply {
	table := map[routeKey]func(socketmode.Event) reply{}
	for _, routes := range groups {
		for _, r := range routes {
			if _, dup := table[r.key]; dup {
				panic(fmt.Sprintf("bot: two routes for %s %q", r.key.kind, r.key.id))
			}
			table[r.key] = r.handle
		}
	}
	return table
}

// keyOf is the route key of an envelope.
func keyOf(evt socketmode.Event) routeKey {
	switch d := evt.Data.(type) {
	case slack.SlashCommand:
		return routeKey{kindCommand, d.Command}
	case slack.InteractionCallback:
		switch d.Type {
		case slack.InteractionTypeShortcut, slack.InteractionTypeMessageAction:
			return routeKey{string(d.Type), d.CallbackID}
		case slack.InteractionTypeViewSubmission, slack.InteractionTypeViewClosed:
			return routeKey{string(d.Type), d.View.CallbackID}
		case slack.InteractionTypeBlockActions:
			if len(d.ActionCallback.BlockActions) > 0 {
				return routeKey{string(d.Type), d.ActionCallback.BlockActions[0].ActionID}
			}
		case slack.InteractionTypeBlockSuggestion:
			return routeKey{string(d.Type), d.ActionID}
		}
		return routeKey{string(d.Type), ""}
	case slackevents.EventsAPIEvent:
		return routeKey{kindEvent, d.InnerEvent.Type}
	}
	return routeKey{}
}

// dispatch handles one envelope: at most one handler, exactly one ack, slow work after it. A
// panic anywhere is recovered, logged with a reference id, and the person is told.
func (b *Bot) dispatch(sock acker, evt socketmode.Event) {
	req := evt.Request
	if req == nil {
		return
	}
	start := time.Now()
	ctx := b.work.context()
	if b.seen.duplicate(req.EnvelopeID, eventID(evt)) {
		b.ack(sock, evt, nil, start)
		b.log.Info("duplicate envelope ignored", "envelope_id", req.EnvelopeID, "type", req.Type)
		return
	}
	handle, ok := b.routes[keyOf(evt)]
	if !ok {
		b.ack(sock, evt, nil, start)
		return
	}
	r, ok := b.safely(ctx, evt, func() reply { return handle(evt) })
	if !ok {
		b.ack(sock, evt, nil, start)
		return
	}
	b.ack(sock, evt, r.ack, start)
	switch {
	case r.after == nil:
	case b.draining.Load():
		b.refuseWhileDraining(ctx, evt)
	default:
		b.goWork(ctx, evt, r)
	}
}

// refuseWhileDraining answers new work during a graceful shutdown: a modal where a trigger id
// allows one (shortcuts, buttons), else a private message. App Home refreshes are skipped.
func (b *Bot) refuseWhileDraining(ctx context.Context, evt socketmode.Event) {
	ctx = context.WithoutCancel(ctx)
	w := whoOf(evt)
	if cb, ok := evt.Data.(slack.InteractionCallback); ok && cb.TriggerID != "" && cb.Type != slack.InteractionTypeViewSubmission {
		b.openNotice(ctx, w, cb.TriggerID, "Tester invites", restartingText)
		return
	}
	if evt.Type != socketmode.EventTypeEventsAPI {
		b.tell(ctx, w, restartingText)
	}
}

const restartingText = ":hourglass: I'm restarting. Please try again in a moment."

// acker acks an envelope on the connection it came in on; *socketmode.Client is one.
type acker interface {
	Ack(req socketmode.Request, payload ...any) error
}

func (b *Bot) ack(sock acker, evt socketmode.Event, payload any, start time.Time) {
	var err error
	if payload == nil {
		err = sock.Ack(*evt.Request)
	} else {
		err = sock.Ack(*evt.Request, payload)
	}
	b.metrics.AckLatency(string(evt.Type), time.Since(start))
	if err != nil {
		b.log.Error("ack failed", "envelope_id", evt.Request.EnvelopeID, "type", evt.Request.Type, "error", err)
	}
}

// safely runs f, turning a panic into a log line with a reference id and a message to the
// person (on ctx, although cancelled), so one bad event never takes the bot down.
func (b *Bot) safely(ctx context.Context, evt socketmode.Event, f func() reply) (r reply, ok bool) {
	defer func() {
		if p := recover(); p != nil {
			ref := rand.Text()
			b.log.Error("panic while handling envelope", "ref", ref, "type", string(evt.Type),
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			b.tell(context.WithoutCancel(ctx), whoOf(evt),
				fmt.Sprintf(":warning: Something went wrong on my side. Nothing more will happen for this request; please try again. If it keeps happening, give your admin this reference: `%s`.", ref))
			ok = false
		}
	}()
	return f(), true
}

// ephemeral is a slash command ack that shows text only to the person who typed it.
type ephemeral struct {
	ResponseType string `json:"response_type"`
	Text         string `json:"text"`
}

func ephemeralAck(text string) ephemeral {
	return ephemeral{ResponseType: slack.ResponseTypeEphemeral, Text: text}
}
