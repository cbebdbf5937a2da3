package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/address"
	"github.com/testerbot/testerbot/audit"
	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/invite"
)

const restartingText = ":hourglass: I'm restarting. Please try again in a moment."

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
	if parsed.kind == cmdHelp {
		return reply{ack: ephemeralAck(helpText)}
	}
	ch, ok := b.d.Mapping.Channel(cmd.ChannelID)
	if !ok {
		return reply{ack: ephemeralAck(b.unmappedText(cmd.ChannelID))}
	}
	w := who{userID: cmd.UserID, channelID: cmd.ChannelID, responseURL: cmd.ResponseURL}
	switch parsed.kind {
	case cmdOpenModal:
		return reply{after: b.asLead(w, func(ctx context.Context) {
			b.openInviteModal(ctx, w, cmd.TriggerID, b.inviteModalFor(ch, nil,
				modalMeta{Surface: audit.SurfaceModal, ResponseURL: cmd.ResponseURL}))
		})}
	case cmdList:
		return reply{after: b.asLead(w, func(ctx context.Context) { b.listTesters(ctx, w, ch, parsed.filter) })}
	case cmdHistory:
		return reply{after: b.asLead(w, func(ctx context.Context) { b.channelHistory(ctx, w, ch) })}
	case cmdRemove:
		if msg := removeInputProblem(parsed, b.d.Command); msg != "" {
			return reply{ack: ephemeralAck(msg)}
		}
		return reply{after: b.asLead(w, func(ctx context.Context) { b.removeByCommand(ctx, w, ch, parsed.emails[0]) })}
	}
	if msg := b.inviteInputProblem(parsed, ch, cmd.Text); msg != "" {
		return reply{ack: ephemeralAck(msg)}
	}
	app := ch.Apps[0]
	note := ""
	if len(ch.Apps) > 1 {
		note = fmt.Sprintf(" (the first of this channel's %d apps; use `%s` alone to choose another)", len(ch.Apps), b.d.Command)
	}
	req := b.inviteRequest(cmd.UserID, ch, app, parsed.emails, ch.Downloads, audit.SurfaceCommand)
	dest := destination{channelID: ch.ID, who: w, appNote: note}
	return reply{after: b.asLead(w, func(ctx context.Context) { b.runInvite(ctx, dest, req) })}
}

// inviteInputProblem explains, in the ack, why an inline invite cannot go ahead; "" means it can.
// The person's own text is echoed back (escaped) so nothing they typed is lost.
func (b *Bot) inviteInputProblem(parsed command, ch config.Channel, text string) string {
	echo := "\nWhat you typed:\n```" + esc(truncate(text, 2500)) + "```"
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

// quoteList shows up to max items as inline code, escaped, saying how many more there were.
func quoteList(items []string, max int) string {
	return listUpTo(items, max, func(it string) string { return code(truncate(it, 80)) })
}

// refusalList is quoteList for what is not an address, each followed by why.
func refusalList(refused []address.Refusal, max int) string {
	return listUpTo(refused, max, func(r address.Refusal) string {
		return code(truncate(r.Input, 80)) + " (" + esc(truncate(r.Reason, 80)) + ")"
	})
}

// listUpTo shows up to max items, saying how many more there were.
func listUpTo[T any](items []T, max int, show func(T) string) string {
	var parts []string
	for i, it := range items {
		if i == max {
			parts = append(parts, fmt.Sprintf("and %d more", len(items)-max))
			break
		}
		parts = append(parts, show(it))
	}
	return strings.Join(parts, ", ")
}

func (b *Bot) unmappedText(channelID string) string {
	return fmt.Sprintf("This channel (%s) is not linked to an Applivery store, so I can't invite testers from here. "+
		"Ask an admin to add it to the mapping file (%s) and restart me.", code(channelID), code(b.d.MappingFile))
}

func (b *Bot) inviteRequest(userID string, ch config.Channel, app config.App, emails []string, downloads int, surface audit.Surface) invite.Request {
	return invite.Request{
		ID: newRef(), UserID: userID, ChannelID: ch.ID, Surface: surface, StoreID: ch.Store,
		AppID: app.ID, AppName: app.Name, Emails: emails, Downloads: downloads, Domains: ch.Domains,
	}
}

// asLead wraps slow work so it only runs for someone allowed to manage testers; everyone else is
// told politely who can help. A Slack error while checking refuses (fail closed).
func (b *Bot) asLead(w who, work func(ctx context.Context)) func(ctx context.Context) {
	return func(ctx context.Context) {
		ok, err := b.d.Access.IsLead(ctx, w.userID)
		if err != nil {
			b.log.Error("could not check QA lead membership", "user", w.userID, "error", err.Error())
			b.tell(ctx, w, ":warning: I couldn't check whether you are a QA lead (Slack did not answer), so I did nothing. Please try again in a moment.")
			return
		}
		if !ok {
			b.tell(ctx, w, "Sorry, only QA leads can invite, list or remove testers. "+leadsText(b.d.Access.Leads())+" can help you.")
			return
		}
		work(ctx)
	}
}
