package slackfake

import (
	"testing"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUserDirectory(t *testing.T) {
	fake := New(t)
	api := newAPI(fake)
	fake.AddUser(User{ID: "U0ANA", Name: "ana", Email: "Ana@Example.com"})
	fake.AddUser(User{ID: "U0GUEST", Name: "guest", Email: "guest@example.com", Restricted: true})
	fake.AddUser(User{ID: "U0SOLO", Name: "solo", Email: "solo@example.com", UltraRestricted: true})
	fake.AddUser(User{ID: "U0GONE", Name: "gone", Email: "gone@example.com", Deleted: true})

	ana, err := api.GetUserByEmail("ana@example.COM")
	require.NoError(t, err, "emails match whatever their case")
	assert.Equal(t, "U0ANA", ana.ID)
	assert.Equal(t, "ana", ana.Name)
	assert.Equal(t, "Ana@Example.com", ana.Profile.Email)
	assert.False(t, ana.IsRestricted || ana.IsUltraRestricted || ana.Deleted)

	guest, err := api.GetUserInfo("U0GUEST")
	require.NoError(t, err)
	assert.True(t, guest.IsRestricted)
	assert.False(t, guest.IsUltraRestricted)
	solo, err := api.GetUserInfo("U0SOLO")
	require.NoError(t, err)
	assert.True(t, solo.IsRestricted && solo.IsUltraRestricted, "single-channel guests are restricted too")
	gone, err := api.GetUserInfo("U0GONE")
	require.NoError(t, err)
	assert.True(t, gone.Deleted)

	for _, email := range []string{"gone@example.com", "nobody@example.com"} {
		_, err = api.GetUserByEmail(email)
		assert.Equal(t, "users_not_found", slackError(t, err), email)
	}

	fake.SlashCommand(SlashCommand{UserID: "U0BEA", UserName: "bea", ChannelID: "C1"})
	bea, err := api.GetUserInfo("U0BEA")
	require.NoError(t, err)
	assert.Equal(t, "bea", bea.Name, "users not added keep the name payloads gave them")
}

func TestChannelMembersArePagedWithCursors(t *testing.T) {
	fake := New(t)
	api := newAPI(fake)
	fake.AddChannel("C1", "beta")
	fake.SetChannelMembers("C1", "U1", "U2", "U3", "U4", "U5")

	var pages [][]string
	params := &slack.GetUsersInConversationParameters{ChannelID: "C1", Limit: 2}
	for {
		members, next, err := api.GetUsersInConversation(params)
		require.NoError(t, err)
		pages = append(pages, members)
		if next == "" {
			break
		}
		params.Cursor = next
	}

	assert.Equal(t, [][]string{{"U1", "U2"}, {"U3", "U4"}, {"U5", BotUserID}}, pages, "the bot is a member too")
	assert.Len(t, fake.Calls("conversations.members"), 3)

	all, next, err := api.GetUsersInConversation(&slack.GetUsersInConversationParameters{ChannelID: "C1"})
	require.NoError(t, err)
	assert.Len(t, all, 6, "the default page holds 100")
	assert.Empty(t, next)

	_, _, err = api.GetUsersInConversation(&slack.GetUsersInConversationParameters{ChannelID: "C1", Cursor: "bm9wZQ=="})
	assert.Equal(t, "invalid_cursor", slackError(t, err))
}

func TestChannelMembersFailLikeSlack(t *testing.T) {
	fake := New(t)
	api := newAPI(fake)
	fake.AddChannel("C1", "beta")
	fake.AddChannel("G1", "secret")
	fake.SetChannelMember("G1", false)
	members := func(channel string) error {
		_, _, err := api.GetUsersInConversation(&slack.GetUsersInConversationParameters{ChannelID: channel})
		return err
	}

	assert.Equal(t, "channel_not_found", slackError(t, members("G1")), "a private channel the bot is not in")
	assert.Equal(t, "channel_not_found", slackError(t, members("C404")))

	fake.FailChannelMembers("C1", "missing_scope")
	assert.Equal(t, "missing_scope", slackError(t, members("C1")))
	fake.FailChannelMembers("C1", "")
	assert.NoError(t, members("C1"))

	calls := fake.Calls("conversations.members")
	require.Len(t, calls, 4)
	assert.Equal(t, "missing_scope", calls[2].Error)
}
