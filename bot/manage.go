package bot

// The /invite-tester list, history and remove subcommands.

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/store"
)

// list answers `/invite-tester list [filter]` privately.
func (c *commandFlow) list(ctx context.Context, w who, ch config.Channel, filter string) {
	listing, err := c.reads.list(ctx, ch, ch.Apps, filter, c.listLimit)
	if err != nil {
		c.log.Warn("list testers failed", "channel", ch.ID, "error", err)
		c.tell(ctx, w, ":x: I couldn't list the testers. "+explainError(err))
		return
	}
	c.tell(ctx, w, listText(listing, filter, c.reads.accessEnds(ctx, ch.Store, listing.Testers)))
}

// listText answers `list`: each tester with their details and, when it ends, their access's end.
func listText(l *invite.Listing, filter string, ends map[string]time.Time) string {
	if len(l.Testers) == 0 {
		if filter != "" {
			return fmt.Sprintf("No tester of this channel's apps has an email containing %s.", code(filter))
		}
		return "This channel's apps have no testers yet."
	}
	var b strings.Builder
	b.WriteString("*Testers*")
	if filter != "" {
		b.WriteString(" matching " + code(filter))
	}
	b.WriteString("\n")
	for _, t := range l.Testers {
		u := t.User
		fmt.Fprintf(&b, "• *%s* · %s", esc(u.Email), userDetails(t.App.Name, &u, false))
		if end, ok := ends[u.ID]; ok {
			b.WriteString(" · access ends " + slackDate(end))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "Showing %d of %d.", len(l.Testers), l.Total)
	return cutMrkdwn(b.String(), 39000)
}

// history answers `/invite-tester history` with the channel's last 20 attempts.
func (c *commandFlow) history(ctx context.Context, w who, ch config.Channel) {
	if c.reads.history == nil {
		c.tell(ctx, w, "The audit log is not enabled.")
		return
	}
	entries, err := c.reads.recent(ctx, store.Query{ChannelID: ch.ID}, []config.Channel{ch}, 20)
	if err != nil {
		c.log.Error("could not read the audit log", "error", err)
		c.tell(ctx, w, ":x: I couldn't read the invitation history. Please try again.")
		return
	}
	if len(entries) == 0 {
		c.tell(ctx, w, "Nobody has been invited from this channel yet.")
		return
	}
	lines := []string{"*Last invitations from this channel*"}
	for _, e := range entries {
		lines = append(lines, historyLine(e, true))
	}
	c.tell(ctx, w, strings.Join(lines, "\n"))
}

// remove answers `/invite-tester remove <email>`: the tester is removed from every app
// of the channel they are in, and the result is posted in the channel for the record.
func (c *commandFlow) remove(ctx context.Context, w who, ch config.Channel, email string) {
	if !inDomains(ch, email) {
		c.tell(ctx, w, domainsRefusal(ch, email))
		return
	}
	res, err := c.invites.Remove(ctx, invite.RemoveRequest{
		ID: rand.Text(), UserID: w.userID, ChannelID: ch.ID, Origin: originCommand,
		StoreID: ch.Store, Apps: ch.Apps, Email: email,
	})
	if err != nil {
		c.tell(ctx, w, fmt.Sprintf(":x: I couldn't remove *%s*: %s", esc(email), explainError(err)))
		return
	}
	if len(res.Removed) == 0 {
		c.tell(ctx, w, fmt.Sprintf(":information_source: *%s* is not a tester of this channel's apps, so there was nothing to remove.", esc(email)))
		return
	}
	var apps []string
	for _, t := range res.Removed {
		apps = append(apps, "*"+esc(t.App.Name)+"*")
	}
	text := fmt.Sprintf(":wastebasket: <@%s> removed *%s* from %s.", w.userID, esc(email), strings.Join(apps, ", "))
	c.posts.say(ctx, w, ch.ID, "", text, "")
}
