package bot

import (
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/internal/slackfake"
)

// The invite modal's submission: problems go back in the ack, each under its input, and
// nothing else happens; a valid one invites after the ack.

func TestTheInviteModalShowsEachProblemUnderItsInput(t *testing.T) {
	t.Parallel()
	tb := newTestBot(t, membersMapping, withMaxEmails(2))
	ios := modalMeta{Origin: originModal, Target: betaIOS.ID + "/" + iosApp.ID}
	both := modalMeta{Origin: originModal, Target: betaBoth.ID + "/" + iosApp.ID}
	emails := func(s string) slack.BlockAction { return slack.BlockAction{Value: s} }
	at := func(d time.Duration) slack.BlockAction {
		return slack.BlockAction{SelectedDateTime: time.Now().Add(d).Unix()}
	}
	alice := emails("alice@example.com")
	for name, tc := range map[string]struct {
		meta     modalMeta
		inputs   map[string]slack.BlockAction
		block    string
		problems string
	}{
		"not an address": {ios, map[string]slack.BlockAction{blockEmails: emails("alice@example.com bob@")},
			blockEmails, "Not email addresses: bob@ ("},
		"no address": {ios, map[string]slack.BlockAction{blockEmails: emails(" ")},
			blockEmails, "Enter at least one email address."},
		"too many": {ios, map[string]slack.BlockAction{blockEmails: emails("a@example.com b@example.com c@example.com")},
			blockEmails, "That is 3 addresses; at most 2 at once."},
		"a domain not allowed": {both, map[string]slack.BlockAction{blockEmails: emails("alice@acme.com mallory@evil.io")},
			blockEmails, "Only addresses at acme.com may be invited there: mallory@evil.io"},
		"access that ended already": {ios, map[string]slack.BlockAction{blockEmails: alice, blockAccessEnds: at(-time.Hour)},
			blockAccessEnds, "That is in the past, or less than a minute away: choose a later time."},
		"access past a year": {ios, map[string]slack.BlockAction{blockEmails: alice, blockAccessEnds: at(400 * 24 * time.Hour)},
			blockAccessEnds, "Access can last at most 365 days: choose an earlier date."},
		"no download allowed": {ios, map[string]slack.BlockAction{blockEmails: alice, blockDownloads: {Value: "0"}},
			blockDownloads, "Use -1 for unlimited, or a whole number from 1."},
		"a target no longer mapped": {modalMeta{Origin: originModal, Target: "C0GONE0001/" + iosApp.ID}, map[string]slack.BlockAction{blockEmails: alice},
			blockTarget, "no longer set up for invites"},
	} {
		t.Run(name, func(t *testing.T) {
			r := tb.handle(submit(ana, callbackInviteModal, tc.meta.encode(), tc.inputs))
			require.Nil(t, r.after, "nothing happens after the ack")
			ack, ok := r.ack.(*slack.ViewSubmissionResponse)
			require.True(t, ok, "the ack answers the modal: %#v", r.ack)
			assert.Equal(t, slack.RAErrors, ack.ResponseAction)
			require.Len(t, ack.Errors, 1, "%v", ack.Errors)
			assert.Contains(t, ack.Errors[tc.block], tc.problems)
		})
	}
	assert.Empty(t, tb.applivery.Requests(), "Applivery was never asked")
}

func TestAnInviteFromAMessageIsAnsweredInThatMessagesThread(t *testing.T) {
	t.Parallel()
	tb := newTestBot(t, membersMapping)
	meta := modalMeta{Origin: originMessageShortcut, ThreadTS: "1699999999.000100", Target: betaIOS.ID + "/" + iosApp.ID}
	ack := tb.run(tb.handle(submit(ana, callbackInviteModal, meta.encode(),
		map[string]slack.BlockAction{blockEmails: {Value: "alice@example.com\nbob@example.com"}})))
	assert.Nil(t, ack, "a valid submission closes the modal")

	posts := tb.posts(betaIOS.ID)
	require.Len(t, posts, 3, "the parent message, the results, the download link")
	for _, p := range posts {
		assert.Equal(t, "1699999999.000100", p.ThreadTS, "everything goes in the message's thread: %s", p.Text)
	}
	assert.Regexp(t, "^:white_check_mark: \\*alice@example.com\\* invited\nOTP user `[0-9a-f]{24}` .*\n:white_check_mark: \\*bob@example.com\\* invited\nOTP user `[0-9a-f]{24}` ", posts[1].Text)
	assert.Len(t, tb.applivery.OTPUsers(betaIOS.Store), 2)
}

// A command's response_url answers the person who typed the command, in its channel: someone
// else submitting the modal it opened is answered some other way.
func TestTheCommandsResponseURLAnswersOnlyItsOwnUser(t *testing.T) {
	t.Parallel()
	tb := newTestBot(t, membersMapping)
	meta := modalMeta{Origin: originModal, ResponseURL: tb.slack.NewResponseURL(), User: ana, Target: betaIOS.ID + "/" + iosApp.ID}
	tb.run(tb.handle(submit(olga, callbackInviteModal, meta.encode(),
		map[string]slack.BlockAction{blockEmails: {Value: "alice@example.com"}})))

	told := tb.privately()
	require.Len(t, told, 1)
	assert.Empty(t, tb.slack.ResponsePosts(), "not through the command's response_url")
	assert.Equal(t, slackfake.Message{Channel: betaIOS.ID, User: olga, Ephemeral: true,
		Text: "Only members of <#C0123ABCD> can invite, list or remove its testers, and guests and people of other organisations never can. Ask to be added to the channel."}, told[0])
	assert.Empty(t, tb.applivery.OTPUsers(betaIOS.Store))
}
