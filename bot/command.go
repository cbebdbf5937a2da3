package bot

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/address"
	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/invite"
)

// commandKind is what a person asked /invite-tester to do.
type commandKind int

const (
	cmdOpenModal commandKind = iota // no text: open the invite modal
	cmdInvite                       // emails: invite them inline
	cmdHelp
	cmdList    // list [filter]
	cmdRemove  // remove <email>
	cmdHistory // history
	cmdSetup   // setup: link the channel to a store and app
)

// command is the parsed text of one /invite-tester.
type command struct {
	kind      commandKind
	emails    []string          // cmdInvite, cmdRemove
	refused   []address.Refusal // what is not an address, and why
	filter    string            // cmdList
	accessFor time.Duration     // cmdInvite: "… for 14d"; 0 when access does not end
	badAccess string            // cmdInvite: why "for …" could not be used, for people
}

// parseCommand understands every form of /invite-tester. It is pure so it can be fuzzed.
func parseCommand(text string) command {
	text = strings.TrimSpace(text)
	if text == "" {
		return command{kind: cmdOpenModal}
	}
	word, rest, _ := strings.Cut(text, " ")
	rest = strings.TrimSpace(rest)
	switch strings.ToLower(word) {
	case "help", "-h", "--help", "?":
		return command{kind: cmdHelp}
	case "list", "ls":
		return command{kind: cmdList, filter: rest}
	case "history":
		return command{kind: cmdHistory}
	case "setup", "link":
		return command{kind: cmdSetup}
	case "remove", "revoke", "delete", "rm":
		emails, refused := address.Parse(rest)
		return command{kind: cmdRemove, emails: emails, refused: refused}
	}
	text, accessFor, badAccess := splitAccess(text)
	emails, refused := address.Parse(text)
	return command{kind: cmdInvite, emails: emails, refused: refused, accessFor: accessFor, badAccess: badAccess}
}

// accessSuffix is "for 14d" at the end of an invite: how long the testers keep access.
var accessSuffix = regexp.MustCompile(`(?i)(?:^|\s)for\s+(\S+)\s*$`)

// splitAccess takes "for <n><m|h|d>" off the end of an invite's text. badAccess says, for
// people, what is wrong with one that cannot be used.
func splitAccess(text string) (rest string, accessFor time.Duration, badAccess string) {
	m := accessSuffix.FindStringSubmatchIndex(text)
	if m == nil {
		return text, 0, ""
	}
	rest, spec := text[:m[0]], text[m[2]:m[3]]
	d, err := parseAccess(spec)
	switch {
	case err != nil:
		return rest, 0, "Say how long access lasts with a number and m, h or d, like `for 14d` or `for 12h`; " + code(spec) + " is not one."
	case d == 0 || invite.CheckAccess(d) != nil:
		return rest, 0, "Access can last from 1 minute to 365 days, not " + code(spec) + "."
	}
	return rest, d, ""
}

// parseAccess reads "90m", "12h" or "14d".
func parseAccess(spec string) (time.Duration, error) {
	if len(spec) < 2 {
		return 0, strconv.ErrSyntax
	}
	n, err := strconv.Atoi(spec[:len(spec)-1])
	if err != nil || n < 0 || n > 1_000_000 {
		return 0, strconv.ErrSyntax
	}
	switch strings.ToLower(spec[len(spec)-1:]) {
	case "m":
		return time.Duration(n) * time.Minute, nil
	case "h":
		return time.Duration(n) * time.Hour, nil
	case "d":
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return 0, strconv.ErrSyntax
}

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
	"You can also use the *Invite testers* shortcut (⚡ menu) from anywhere, or *Invite testers from message* " +
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
		return b.onSetupCommand(cmd)
	}
	ch, ok := b.d.Mappings.Channel(cmd.ChannelID)
	if !ok {
		// Not a channel this process knows of; a link made a moment ago on another replica is
		// looked for in the database, after the ack.
		return reply{after: func(ctx context.Context) { b.commandInNewChannel(ctx, cmd, parsed) }}
	}
	return b.commandIn(cmd, parsed, ch)
}

// commandIn handles a command in a mapped channel.
func (b *Bot) commandIn(cmd slack.SlashCommand, parsed command, ch config.Channel) reply {
	w := who{userID: cmd.UserID, channelID: cmd.ChannelID, responseURL: cmd.ResponseURL}
	switch parsed.kind {
	case cmdOpenModal:
		return reply{after: func(ctx context.Context) {
			b.openChannelModal(ctx, w, cmd.TriggerID, ch, nil, modalMeta{Origin: originModal, ResponseURL: cmd.ResponseURL, User: cmd.UserID})
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
	return reply{after: func(ctx context.Context) { b.inviteOrAsk(ctx, w, ch, req, "") }}
}

// commandInNewChannel handles, after the ack, a command in a channel this process did not know
// as mapped: what would have been the ack's answer goes to the person privately.
func (b *Bot) commandInNewChannel(ctx context.Context, cmd slack.SlashCommand, parsed command) {
	w := who{userID: cmd.UserID, channelID: cmd.ChannelID, responseURL: cmd.ResponseURL}
	ch, ok, err := b.d.Mappings.Lookup(ctx, cmd.ChannelID)
	switch {
	case err != nil:
		b.log.Error("could not look a channel's link up", "channel", cmd.ChannelID, "error", err.Error())
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
		Emails: emails, Downloads: downloads, Domains: ch.Domains, Reply: reply,
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
