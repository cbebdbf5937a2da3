// Package outbox sends every Slack write the bot makes after an ack: saved in the database
// with an idempotency key before it is sent, then sent by one sender at Slack's pace.
//
//   - A message is enqueued once per key: enqueuing it again (after a restart, a take-over)
//     changes nothing, so a crash neither loses nor repeats it. An edit (Replace) collapses:
//     an unsent edit of one message is replaced by the newer one, so only the latest goes.
//   - The sender paces each lane (a channel's posts, a method's calls) within Slack's limits:
//     about one chat.postMessage per second per channel after a small burst, and each method's
//     tier per workspace. A 429 pauses only what it concerns (one channel, one method) for its
//     Retry-After; everything else goes on.
//   - An unsent message is kept until it is sent. A message Slack calls too long is split in
//     two. A refused bot token stops the sender and makes it not ready until the token works
//     again; then the backlog drains. A channel the bot cannot post in (not_in_channel,
//     channel_not_found, is_archived) makes the message final, and Options.Failed is told.
//   - With several replicas, one sender per lane at a time: a lane is leased in the database
//     before its messages are sent, so the pace holds across processes.
//
// Nothing is sent twice except in one window nobody can close against Slack's Web API, which
// has no idempotency key: a process killed after Slack accepted a post and before the database
// recorded it. That window is the time of one local database write.
package outbox

import (
	"encoding/json"
	"time"
)

// Kind is what a message does in Slack.
type Kind string

const (
	Post    Kind = "post"    // chat.postMessage, to a channel, a thread, or a person (a DM)
	Update  Kind = "update"  // chat.update of a message the outbox posted, or one known by ts
	Respond Kind = "respond" // a post to a response_url, which needs no bot token
)

// Priorities order the messages of one lane; lower goes first, then the order of enqueueing.
const (
	PriorityParent  = 0 // a request's first message: its invites wait on it
	PriorityNormal  = 5
	PriorityLow     = 9 // welcome DMs and the like
	defaultPriority = PriorityNormal
)

// Message is one Slack write.
type Message struct {
	Key      string // idempotency key: enqueuing a key again changes nothing (or replaces, see Replace)
	Kind     Kind
	Channel  string // the channel, or a user id for a DM
	ToEmail  string // Post only: the workspace member with this address, looked up by the sender; nobody: dropped
	Thread   string // Post: the thread's ts, when known
	ThreadOf string // Post: the key of the message whose thread this goes in
	TS       string // Update: the message's ts, when known
	EditOf   string // Update: the key of the message to edit
	Text     string // what screen readers and notifications read; always set
	Blocks   json.RawMessage
	URL      string // Respond: the response_url (a credential: never logged)
	Priority int
	Replace  bool   // an edit: a newer one with the same key replaces it, even once sent
	Group    string // the request or ask the message belongs to, for logs
	// Asker and AskerURL say who to tell when the message can never be posted (Options.Failed).
	Asker, AskerURL string
}

// State is where a message is.
type State string

const (
	Pending State = "pending"
	Sent    State = "sent"
	Failed  State = "failed"  // final: Slack will not take it (Record.Error says why)
	Split   State = "split"   // too long: replaced by its parts, keyed Key+"#1" and Key+"#2"
	Dropped State = "dropped" // nobody to send it to (a DM to an address that is no member)
)

// Record is a message with what the outbox knows of it.
type Record struct {
	Message
	Ord       string // order of enqueueing, comparable as text
	State     State
	Version   int // bumped by every Replace, so a send of an older version is not recorded as the latest
	Attempts  int
	NotBefore time.Time
	SentTS    string // the posted message's ts
	Error     string // Slack's error code, for Failed
	CreatedAt time.Time
}

// lane is what paces a message: its channel's posts, or its method per workspace.
func (r *Record) lane() string {
	switch r.Kind {
	case Respond:
		return "response_url"
	case Update:
		return "chat.update " + r.Channel
	}
	if r.ToEmail != "" {
		return "dm " + r.ToEmail
	}
	return "post " + r.Channel
}

// method is the Web API method the message costs, for tier pacing.
func (r *Record) method() string {
	switch r.Kind {
	case Update:
		return "chat.update"
	case Respond:
		return "response_url"
	}
	return "chat.postMessage"
}
