package bot

import (
	"context"
	"strings"

	"github.com/testerbot/testerbot/config"
)

// The bot's side of package access: asking it, and telling people what it decided.

// mayManage reports whether the person may manage the testers of channelID's mapping. When not,
// or when Slack could not say, the person is told why and the caller stops (fail closed).
func (b *Bot) mayManage(ctx context.Context, w who, channelID string) bool {
	ok, err := b.d.Access.MayManage(ctx, w.userID, channelID)
	switch {
	case err != nil:
		b.tell(ctx, w, b.accessUnknown(w.userID, err))
	case !ok:
		b.tell(ctx, w, b.refusalText(channelID))
	}
	return err == nil && ok
}

// manageable returns the mappings whose testers the person may manage, in mapping order.
func (b *Bot) manageable(ctx context.Context, userID string) ([]config.Channel, error) {
	all := b.d.Mappings.All()
	ids := make([]string, len(all))
	for i, ch := range all {
		ids[i] = ch.ID
	}
	allowed, err := b.d.Access.Manageable(ctx, userID, ids)
	if err != nil {
		return nil, err
	}
	out := make([]config.Channel, 0, len(allowed))
	for _, ch := range all {
		if len(allowed) > 0 && allowed[0] == ch.ID {
			out = append(out, ch)
			allowed = allowed[1:]
		}
	}
	return out, nil
}

// accessUnknown logs why access could not be checked and says so for people, with Slack's
// error code (an admin recognises invalid_auth or ratelimited).
func (r replies) accessUnknown(userID string, err error) string {
	r.log.Error("could not check access", "user", userID, "error", err)
	return ":warning: I couldn't check whether you may manage testers (Slack said " + code(slackErrorCode(err)) +
		"), so I did nothing. " + slackAdvice(slackErrorCode(err))
}

// refusalText tells someone who may not manage testers who can; channelID is "" where no
// channel is involved (the global shortcut, the App Home).
func (b *Bot) refusalText(channelID string) string {
	if b.d.Access.Leads() != nil {
		return "Sorry, only QA leads can invite, list or remove testers. " + leadsText(b.d.Access.Leads()) + " can help you."
	}
	if channelID == "" {
		return "You can manage the testers of the channels you are a member of, and you are not in any channel linked to an Applivery store. Ask to be added to one. (Guests and people of other organisations never manage testers.)"
	}
	return "Only members of <#" + channelID + "> can invite, list or remove its testers, and guests and people of other organisations never can. Ask to be added to the channel."
}

// leadsText names the QA leads for people who need one.
func leadsText(l *config.QALeads) string {
	if l == nil {
		return "The members of each linked channel"
	}
	var names []string
	for _, u := range l.Users {
		names = append(names, "<@"+u+">")
	}
	for _, g := range l.Usergroups {
		names = append(names, "<!subteam^"+g+">")
	}
	switch len(names) {
	case 0:
		return "Your Slack admin"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
