// Package slackfake is an in-process Slack for end-to-end tests.
//
// It serves Slack's Web API over real HTTP and Socket Mode over a real
// WebSocket on 127.0.0.1, so a bot built with
//
//	api := slack.New(fake.BotToken(),
//		slack.OptionAppLevelToken(fake.AppToken()),
//		slack.OptionAPIURL(fake.APIURL()))
//	client := socketmode.New(api)
//
// runs unmodified against it. A test drives the bot the way Slack would and
// then inspects what the bot did:
//
//	fake := slackfake.New(t)
//	// … start the bot against fake …
//	id := fake.SlashCommand(slackfake.SlashCommand{UserID: "U1", ChannelID: "C1", Text: "ana@example.com"})
//	ack, err := fake.WaitAck(ctx, id)                  // acked, and how fast
//	view := fake.OpenedViews()[0]                       // the modal it opened
//	fake.SelectOption(view.ID, "U1", "app", "ios")       // picks from a menu
//	fake.SubmitView(view.ID, "U1", values)              // the user submits it
//	msg, err := fake.WaitMessage(ctx, "C1", nil)        // what it posted
//
// Envelopes, payloads and Web API answers follow Slack's documented wire
// shapes (checked against slack-go's decoders), trigger_ids expire after 3 s
// and work once, and every blocks array and view, in Web API calls and in
// acks, is held to Block Kit's limits and refused the way Slack refuses it
// (see Call.Error, Call.Messages, Ack.Error). Slack's limits are enforced in every
// test (limits.go): each method's tier per minute per workspace, chat.postMessage at one post a
// second per channel after a burst of three, both answered with HTTP 429 and Retry-After (counted
// by RateLimited); five posts per response_url within thirty minutes; and not_in_channel for a
// post to a channel the bot is not in (AddChannel puts it in). WithMinute scales the minute to
// the bot's SLACK_MINUTE. Faults can be injected: rate limits, per-channel
// errors, refusals chosen by what a call carries (Refuse), failing user-group
// lookups, disconnect requests and dropped sockets. Envelopes raised while no socket is live wait for the client's
// next connection, as they would with Slack. Like Slack, the fake accepts up
// to 10 connections at once (replicas of the bot) and sends each envelope
// to one of them, taking turns; Deliveries says which got it.
//
// The fake never logs and never records tokens.
package slackfake
