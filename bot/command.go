package bot

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/address"
	"github.com/testerbot/testerbot/internal/command"
	"github.com/testerbot/testerbot/internal/invite"
)

// The /invite-tester slash command: what can be decided at once is answered in the ack, the
// rest after it; list, history and remove are in manage.go, setup in setup.go.

// helpText lists every form of the command; the App Home shows it too.
const helpText = "*How to invite testers*\n" +
	"• `/invite-tester alice@example.com bob@example.com` invites them into this channel's app " +
	"(separate addresses with spaces, commas or new lines); add `for 14d` (or `12h`, `30m`) to end their access then.\n" +
	"• `/invite-tester` opens a form where you can paste many addresses and choose the app and allowed downloads.\n" +
	"• `/invite-tester list [part of an email]` shows this channel's testers.\n" +
	"• `/invite-tester remove alice@example.com` revokes a tester.\n" +
	"• `/invite-tester history` shows this channel's last 20 invitations.\n" +
	"• `/invite-tester setup` links this channel to an Applivery store and app, or changes its link (QA leads).\n" +
	"• `/invite-tester help` shows this message.\n" +
	"Where only QA leads invite, an invite from anyone else becomes a request they approve or deny.\n" +
	"You can also use the *Invite testers* shortcut (⚡ menu) from anywhere, or *Invite from message* " +
	"on a message that lists addresses. Results are posted in a thread in the channel."

// commandFlow serves /invite-tester. Its invites go to the ask flow, which invites or asks the QA
// leads; its form is the invite form; setup is the setup flow's.
type commandFlow struct {
	replies
	gate      *gate
	mappings  Mappings
	invites   *invite.Service
	reads     *testerReads
	posts     *posts
	form      *inviteForm
	asks      *askFlow
	setup     *setupFlow
	draining  *atomic.Bool // the bot is shutting down: commands are refused
	command   string       // its name, "/invite-tester"
	maxBytes  int          // longer command text is refused in the ack
	listLimit int          // most testers one list shows
}

func (c *commandFlow) routes() []route {
	return []route{onCommand(c.command, c.onCommand)}
}

// onCommand handles /invite-tester. Everything that can be decided without a network call —
// help, bad input, an unmapped channel, too many emails — is answered in the ack itself.
func (c *commandFlow) onCommand(cmd slack.SlashCommand) reply {
	if c.draining.Load() {
		return reply{ack: ephemeralAck(restartingText)}
	}
	if len(cmd.Text) > c.maxBytes {
		return reply{ack: ephemeralAck(fmt.Sprintf(
			"That command is %d bytes long; the limit is %d. Use `%s` alone to open the form, or split the list.",
			len(cmd.Text), c.maxBytes, c.command))}
	}
	parsed := command.Parse(cmd.Text)
	switch parsed.Kind {
	case command.Help:
		return reply{ack: ephemeralAck(helpText)}
	case command.Setup:
		return c.setup.onCommand(cmd)
	}
	ch, ok := c.mappings.Channel(cmd.ChannelID)
	if !ok {
		// Not a channel this process knows of; a link made a moment ago on another replica is
		// looked for in the database, after the ack.
		if parsed.Kind == command.OpenModal { // the form opens first: the trigger cannot wait for the database
			w := who{userID: cmd.UserID, channelID: cmd.ChannelID, responseURL: cmd.ResponseURL}
			return reply{opens: true, after: func(ctx context.Context) {
				c.form.openForLookedUpChannel(ctx, w, cmd.TriggerID, nil, commandModalMeta(cmd))
			}}
		}
		return reply{after: func(ctx context.Context) { c.inNewChannel(ctx, cmd, parsed) }}
	}
	return c.in(cmd, parsed, ch)
}

// commandModalMeta is what the invite modal opened by the command carries to its submission.
func commandModalMeta(cmd slack.SlashCommand) modalMeta {
	return modalMeta{Origin: originModal, ResponseURL: cmd.ResponseURL, User: cmd.UserID}
}

// in handles a command in a mapped channel.
func (c *commandFlow) in(cmd slack.SlashCommand, parsed command.Command, ch config.Channel) reply {
	w := who{userID: cmd.UserID, channelID: cmd.ChannelID, responseURL: cmd.ResponseURL}
	switch parsed.Kind {
	case command.OpenModal:
		return reply{opens: true, after: func(ctx context.Context) {
			c.form.openForChannel(ctx, w, cmd.TriggerID, ch, nil, commandModalMeta(cmd))
		}}
	case command.List:
		return reply{after: c.gate.managing(w, ch.ID, func(ctx context.Context) { c.list(ctx, w, ch, parsed.Filter) })}
	case command.History:
		return reply{after: c.gate.managing(w, ch.ID, func(ctx context.Context) { c.history(ctx, w, ch) })}
	case command.Remove:
		if msg := removeInputProblem(parsed, c.command); msg != "" {
			return reply{ack: ephemeralAck(msg)}
		}
		return reply{after: c.gate.managing(w, ch.ID, func(ctx context.Context) { c.remove(ctx, w, ch, parsed.Emails[0]) })}
	}
	if msg := c.inviteInputProblem(parsed, ch, cmd.Text); msg != "" {
		return reply{ack: ephemeralAck(msg)}
	}
	app := ch.Apps[0]
	note := ""
	if len(ch.Apps) > 1 {
		note = fmt.Sprintf(" (the first of this channel's %d apps; use `%s` alone to choose another)", len(ch.Apps), c.command)
	}
	req := inviteRequest(cmd.UserID, ch, app, parsed.Emails, ch.Downloads, originCommand, invite.Reply{Channel: ch.ID, Note: note})
	req.AccessFor = parsed.AccessFor
	return reply{after: func(ctx context.Context) { c.asks.inviteOrAsk(ctx, w, ch, req, "") }}
}

// inNewChannel handles, after the ack, a command in a channel this process did not know
// as mapped: what would have been the ack's answer goes to the person privately.
func (c *commandFlow) inNewChannel(ctx context.Context, cmd slack.SlashCommand, parsed command.Command) {
	w := who{userID: cmd.UserID, channelID: cmd.ChannelID, responseURL: cmd.ResponseURL}
	ch, ok, err := c.mappings.Lookup(ctx, cmd.ChannelID)
	switch {
	case err != nil:
		c.log.Error("could not look a channel's link up", "channel", cmd.ChannelID, "error", err)
		c.tell(ctx, w, ":x: I couldn't read this channel's link from my database. Please try again in a moment.")
		return
	case !ok:
		c.tell(ctx, w, c.gate.unmappedText(cmd.ChannelID))
		return
	}
	r := c.in(cmd, parsed, ch)
	if a, ok := r.ack.(ephemeral); ok {
		c.tell(ctx, w, a.Text)
	}
	if r.after != nil {
		r.after(ctx)
	}
}

// inviteInputProblem explains, in the ack, why an inline invite cannot go ahead; "" means it can.
// The person's own text is echoed back (escaped) so nothing they typed is lost.
func (c *commandFlow) inviteInputProblem(parsed command.Command, ch config.Channel, text string) string {
	echo := "\nWhat you typed:\n```" + esc(truncate(text, 2500)) + "```"
	if parsed.BadAccess != nil {
		return badAccessText(parsed.BadAccess) + " Nobody was invited." + echo
	}
	if len(parsed.Refused) > 0 {
		return "These are not email addresses: " + refusalList(parsed.Refused, 10) + ". Nobody was invited; fix them and try again." + echo
	}
	if len(parsed.Emails) == 0 {
		return "I found no email address to invite. Try `" + c.command + " alice@example.com`, or `" + c.command + " help`."
	}
	if err := c.invites.CheckSize(len(parsed.Emails)); err != nil {
		return fmt.Sprintf("That is %d addresses; one request may invite at most %d. Split the list and try again.",
			len(parsed.Emails), c.invites.MaxEmails()) + echo
	}
	if outside := outsideDomains(parsed.Emails, ch); len(outside) > 0 {
		return "Only addresses at " + strings.Join(ch.Domains, ", ") + " may be invited from this channel, so these were not: " +
			quoteList(outside, 10) + ". Nobody was invited." + echo
	}
	return ""
}

// badAccessText says what is wrong with the "for …" at the end of an invite.
func badAccessText(bad *command.BadAccess) string {
	if bad.OutOfRange {
		return "Access can last from 1 minute to 365 days, not " + code(bad.Spec) + "."
	}
	return "Say how long access lasts with a number and m, h or d, like `for 14d` or `for 12h`; " + code(bad.Spec) + " is not one."
}

func removeInputProblem(parsed command.Command, name string) string {
	if len(parsed.Emails) != 1 || len(parsed.Refused) > 0 {
		return "Tell me one address to remove, like `" + name + " remove alice@example.com`."
	}
	return ""
}

func outsideDomains(emails []string, ch config.Channel) []string {
	var out []string
	for _, e := range emails {
		if !address.DomainAllowed(e, ch.Domains) {
			out = append(out, e)
		}
	}
	return out
}

func inviteRequest(userID string, ch config.Channel, app config.App, emails []string, downloads int, origin string, reply invite.Reply) invite.Request {
	return invite.Request{
		UserID: userID, ChannelID: ch.ID, Origin: origin, StoreID: ch.Store, AppID: app.ID, AppName: app.Name,
		Emails: emails, Downloads: downloads, Domains: ch.Domains, Reply: reply, NotifyTesters: ch.NotifyTesters,
	}
}

// Where a request came from, as the audit log records it.
const (
	originCommand         = "command"
	originModal           = "modal"
	originGlobalShortcut  = "global_shortcut"
	originMessageShortcut = "message_shortcut"
	originHome            = "home"
	originRevokeButton    = "revoke_button"
)
