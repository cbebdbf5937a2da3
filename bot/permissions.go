package bot

import (
	"context"
	"strings"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/slackauth"
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
func (b *Bot) accessUnknown(userID string, err error) string {
	b.log.Error("could not check access", "user", userID, "error", err.Error())
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

// openThenFill opens a "one moment" modal at once, while the trigger id is fresh, then replaces
// it with what fill builds: fill may take its time (a cold access cache costs Slack calls)
// without the trigger id expiring under it. It returns the modal's view id, "" if Slack refused
// to open one (the person is then told privately).
func (b *Bot) openThenFill(ctx context.Context, w who, triggerID, heading string, fill func(ctx context.Context, viewID string) slack.ModalViewRequest) string {
	viewID, err := b.slack.openView(ctx, triggerID, noticeModalView(heading, ":hourglass_flowing_sand: One moment…"))
	if !handledHere(ctx) && err != nil {
		b.log.Info("a duplicate envelope's form was opened by another process", "user", w.userID)
		return ""
	}
	if err != nil {
		b.log.Warn("could not open a modal", "user", w.userID, "error", slackErrorCode(err))
		b.tell(ctx, w, "I couldn't open the form ("+code(slackErrorCode(err))+"). "+slackAdvice(slackErrorCode(err)))
		return ""
	}
	if err := b.slack.updateView(ctx, viewID, fill(ctx, viewID)); err != nil {
		b.log.Warn("could not fill a modal", "user", w.userID, "error", slackErrorCode(err))
	}
	return viewID
}

// openNotice opens a modal that only explains something; if Slack will not open it, the person
// is told privately instead.
func (b *Bot) openNotice(ctx context.Context, w who, triggerID, heading, text string) {
	if _, err := b.slack.openView(ctx, triggerID, noticeModalView(heading, text)); handledHere(ctx) && err != nil {
		b.tell(ctx, w, text)
	}
}

// noticeModalView is a modal that only explains something (no submit button).
func noticeModalView(heading, text string) slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type:   slack.VTModal,
		Title:  title(heading),
		Close:  title("Close"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{section(text, nil)}},
	}
}

// slackAdvice says what to do after a Slack call failed with code: when Slack refused the bot's token,
// that an admin must act, because trying again cannot help.
func slackAdvice(slackCode string) string {
	if slackauth.Refused(slackCode) {
		return "Slack refused my token: an admin must reinstall the app or update SLACK_BOT_TOKEN. Trying again will not help until then."
	}
	return "Please try again in a moment."
}
