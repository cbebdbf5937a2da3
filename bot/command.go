package bot

import (
	"strings"

	"github.com/testerbot/testerbot/address"
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
)

// command is the parsed text of one /invite-tester.
type command struct {
	kind    commandKind
	emails  []string          // cmdInvite, cmdRemove
	refused []address.Refusal // what is not an address, and why
	filter  string            // cmdList
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
	case "remove", "revoke", "delete", "rm":
		emails, refused := address.Parse(rest)
		return command{kind: cmdRemove, emails: emails, refused: refused}
	}
	emails, refused := address.Parse(text)
	return command{kind: cmdInvite, emails: emails, refused: refused}
}

// helpText lists every form of the command; the App Home shows it too.
const helpText = "*How to invite testers*\n" +
	"• `/invite-tester alice@example.com bob@example.com` invites them into this channel's app " +
	"(separate addresses with spaces, commas or new lines).\n" +
	"• `/invite-tester` opens a form where you can paste many addresses and choose the app and allowed downloads.\n" +
	"• `/invite-tester list [part of an email]` shows this channel's testers.\n" +
	"• `/invite-tester remove alice@example.com` revokes a tester.\n" +
	"• `/invite-tester history` shows this channel's last 20 invitations.\n" +
	"• `/invite-tester help` shows this message.\n" +
	"You can also use the *Invite testers* shortcut (⚡ menu) from anywhere, or *Invite testers from message* " +
	"on a message that lists addresses. Results are posted in a thread in the channel."
