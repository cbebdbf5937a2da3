package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/access"
)

// The bot's side of package access: asking it, and telling people what it decided.

// gate asks the access policy who may manage which channel's testers, and words the answers for
// people: who can help when they may not, and what to do in a channel that is not linked.
type gate struct {
	replies
	access      *access.Policy
	mappings    Mappings
	command     string // the slash command, "/invite-tester"
	mappingFile string // named in messages about unmapped channels
}

// mayManage reports whether the person may manage the testers of channelID's mapping. When not,
// or when Slack could not say, the person is told why and the caller stops (fail closed).
func (g *gate) mayManage(ctx context.Context, w who, channelID string) bool {
	ok, err := g.access.MayManage(ctx, w.userID, channelID)
	switch {
	case err != nil:
		g.tell(ctx, w, g.accessUnknown(w.userID, err))
	case !ok:
		g.tell(ctx, w, g.refusalText(channelID))
	}
	return err == nil && ok
}

// manageable returns the mappings whose testers the person may manage, in mapping order.
func (g *gate) manageable(ctx context.Context, userID string) ([]config.Channel, error) {
	all := g.mappings.All()
	ids := make([]string, len(all))
	for i, ch := range all {
		ids[i] = ch.ID
	}
	allowed, err := g.access.Manageable(ctx, userID, ids)
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
func (g *gate) refusalText(channelID string) string {
	if g.access.Leads() != nil {
		return "Sorry, only QA leads can invite, list or remove testers. " + leadsText(g.access.Leads()) + " can help you."
	}
	if channelID == "" {
		return "You can manage the testers of the channels you are a member of, and you are not in any channel linked to an Applivery store. Ask to be added to one. (Guests and people of other organisations never manage testers.)"
	}
	return "Only members of <#" + channelID + "> can invite, list or remove its testers, and guests and people of other organisations never can. Ask to be added to the channel."
}

// managing wraps slow work so it only runs for someone who may manage the channel's testers.
func (g *gate) managing(w who, channelID string, work func(ctx context.Context)) func(ctx context.Context) {
	return func(ctx context.Context) {
		if g.mayManage(ctx, w, channelID) {
			work(ctx)
		}
	}
}

// unmappedText says that a channel is not linked to a store, and how to link it.
func (g *gate) unmappedText(channelID string) string {
	how := "A QA lead can link it with `" + g.command + " setup`, or an admin can add it to the mapping file (" + code(g.mappingFile) + ")."
	if g.access.Leads() == nil {
		how = "An admin can add it to the mapping file (" + code(g.mappingFile) + "), which is reloaded within seconds."
	}
	return fmt.Sprintf("This channel (%s) is not linked to an Applivery store, so I can't invite testers from here. %s", code(channelID), how)
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
