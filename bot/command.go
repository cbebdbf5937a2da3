package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/address"
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

func (b *Bot) commandRoutes() []route {
	return []route{onCommand(b.d.Command, b.onCommand)}
}

// onCommand handles /invite-tester. Everything that can be decided without a network call —
// help, bad input, an unmapped channel, too many emails — is answered in the ack itself.
func (b *Bot) onCommand(cmd slack.SlashCommand) reply {
	if b.draining.Load() {
		return reply{ack: ephemeralAck(restartingText)}
	}
	if len(cmd.Text) > b.d.MaxCommandBytes {
		return reply{ack: ephemeralAck(fmt.Sprintf(
			"That command is %d bytes long; the limit is %d. Use `%s` alone to open the form, or split the list.",
			len(cmd.Text), b.d.MaxCommandBytes, b.d.Command))}
	}
	parsed := parseCommand(cmd.Text)
	switch parsed.kind {
	case cmdHelp:
		return reply{ack: ephemeralAck(helpText)}
	case cmdSetup:
		return b.setup.onCommand(cmd)
	}
	ch, ok := b.d.Mappings.Channel(cmd.ChannelID)
	if !ok {
		// Not a channel this process knows of; a link made a moment ago on another replica is
		// looked for in the database, after the ack.
		if parsed.kind == cmdOpenModal { // the form opens first: the trigger cannot wait for the database
			w := who{userID: cmd.UserID, channelID: cmd.ChannelID, responseURL: cmd.ResponseURL}
			return reply{opens: true, after: func(ctx context.Context) {
				b.openLookedUpChannelModal(ctx, w, cmd.TriggerID, nil, commandModalMeta(cmd))
			}}
		}
		return reply{after: func(ctx context.Context) { b.commandInNewChannel(ctx, cmd, parsed) }}
	}
	return b.commandIn(cmd, parsed, ch)
}

// commandModalMeta is what the invite modal opened by the command carries to its submission.
func commandModalMeta(cmd slack.SlashCommand) modalMeta {
	return modalMeta{Origin: originModal, ResponseURL: cmd.ResponseURL, User: cmd.UserID}
}

// commandIn handles a command in a mapped channel.
func (b *Bot) commandIn(cmd slack.SlashCommand, parsed command, ch config.Channel) reply {
	w := who{userID: cmd.UserID, channelID: cmd.ChannelID, responseURL: cmd.ResponseURL}
	switch parsed.kind {
	case cmdOpenModal:
		return reply{opens: true, after: func(ctx context.Context) {
			b.openChannelModal(ctx, w, cmd.TriggerID, ch, nil, commandModalMeta(cmd))
		}}
	case cmdList:
		return reply{after: b.managing(w, ch.ID, func(ctx context.Context) { b.listTesters(ctx, w, ch, parsed.filter) })}
	case cmdHistory:
		return reply{after: b.managing(w, ch.ID, func(ctx context.Context) { b.channelHistory(ctx, w, ch) })}
	case cmdRemove:
		if msg := removeInputProblem(parsed, b.d.Command); msg != "" {
			return reply{ack: ephemeralAck(msg)}
		}
		return reply{after: b.managing(w, ch.ID, func(ctx context.Context) { b.removeByCommand(ctx, w, ch, parsed.emails[0]) })}
	}
	if msg := b.inviteInputProblem(parsed, ch, cmd.Text); msg != "" {
		return reply{ack: ephemeralAck(msg)}
	}
	app := ch.Apps[0]
	note := ""
	if len(ch.Apps) > 1 {
		note = fmt.Sprintf(" (the first of this channel's %d apps; use `%s` alone to choose another)", len(ch.Apps), b.d.Command)
	}
	req := b.inviteRequest(cmd.UserID, ch, app, parsed.emails, ch.Downloads, originCommand, invite.Reply{Channel: ch.ID, Note: note})
	req.AccessFor = parsed.accessFor
	return reply{after: func(ctx context.Context) { b.asks.inviteOrAsk(ctx, w, ch, req, "") }}
}

// commandInNewChannel handles, after the ack, a command in a channel this process did not know
// as mapped: what would have been the ack's answer goes to the person privately.
func (b *Bot) commandInNewChannel(ctx context.Context, cmd slack.SlashCommand, parsed command) {
	w := who{userID: cmd.UserID, channelID: cmd.ChannelID, responseURL: cmd.ResponseURL}
	ch, ok, err := b.d.Mappings.Lookup(ctx, cmd.ChannelID)
	switch {
	case err != nil:
		b.log.Error("could not look a channel's link up", "channel", cmd.ChannelID, "error", err)
		b.tell(ctx, w, ":x: I couldn't read this channel's link from my database. Please try again in a moment.")
		return
	case !ok:
		b.tell(ctx, w, b.unmappedText(cmd.ChannelID))
		return
	}
	r := b.commandIn(cmd, parsed, ch)
	if a, ok := r.ack.(ephemeral); ok {
		b.tell(ctx, w, a.Text)
	}
	if r.after != nil {
		r.after(ctx)
	}
}

// managing wraps slow work so it only runs for someone who may manage the channel's testers.
func (b *Bot) managing(w who, channelID string, work func(ctx context.Context)) func(ctx context.Context) {
	return func(ctx context.Context) {
		if b.mayManage(ctx, w, channelID) {
			work(ctx)
		}
	}
}

// inviteInputProblem explains, in the ack, why an inline invite cannot go ahead; "" means it can.
// The person's own text is echoed back (escaped) so nothing they typed is lost.
func (b *Bot) inviteInputProblem(parsed command, ch config.Channel, text string) string {
	echo := "\nWhat you typed:\n```" + esc(truncate(text, 2500)) + "```"
	if parsed.badAccess != "" {
		return parsed.badAccess + " Nobody was invited." + echo
	}
	if len(parsed.refused) > 0 {
		return "These are not email addresses: " + refusalList(parsed.refused, 10) + ". Nobody was invited; fix them and try again." + echo
	}
	if len(parsed.emails) == 0 {
		return "I found no email address to invite. Try `" + b.d.Command + " alice@example.com`, or `" + b.d.Command + " help`."
	}
	if err := b.d.Invites.CheckSize(len(parsed.emails)); err != nil {
		return fmt.Sprintf("That is %d addresses; one request may invite at most %d. Split the list and try again.",
			len(parsed.emails), b.d.Invites.MaxEmails()) + echo
	}
	if outside := outsideDomains(parsed.emails, ch); len(outside) > 0 {
		return "Only addresses at " + strings.Join(ch.Domains, ", ") + " may be invited from this channel, so these were not: " +
			quoteList(outside, 10) + ". Nobody was invited." + echo
	}
	return ""
}

func removeInputProblem(parsed command, command string) string {
	if len(parsed.emails) != 1 || len(parsed.refused) > 0 {
		return "Tell me one address to remove, like `" + command + " remove alice@example.com`."
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

func (b *Bot) unmappedText(channelID string) string {
	how := "A QA lead can link it with `" + b.d.Command + " setup`, or an admin can add it to the mapping file (" + code(b.d.MappingFile) + ")."
	if b.d.Access.Leads() == nil {
		how = "An admin can add it to the mapping file (" + code(b.d.MappingFile) + "), which is reloaded within seconds."
	}
	return fmt.Sprintf("This channel (%s) is not linked to an Applivery store, so I can't invite testers from here. %s", code(channelID), how)
}

func (b *Bot) inviteRequest(userID string, ch config.Channel, app config.App, emails []string, downloads int, origin string, reply invite.Reply) invite.Request {
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
