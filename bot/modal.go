package bot

import (
	"context"

	"github.com/slack-go/slack"
)

// openThenFill opens a "one moment" modal at once, while the trigger id is fresh, then replaces
// it with what fill builds: fill may take its time (a cold access cache costs Slack calls)
// without the trigger id expiring under it. It returns the modal's view id, "" if Slack refused
// to open one (the person is then told privately).
func (r replies) openThenFill(ctx context.Context, w who, triggerID, heading string, fill func(ctx context.Context, viewID string) slack.ModalViewRequest) string {
	viewID, err := r.slack.openView(ctx, triggerID, noticeModalView(heading, ":hourglass_flowing_sand: One moment…"))
	if !handledHere(ctx) && err != nil {
		r.log.Info("a duplicate envelope's form was opened by another process", "user", w.userID)
		return ""
	}
	if err != nil {
		r.log.Warn("could not open a modal", "user", w.userID, "error", slackErrorCode(err))
		r.tell(ctx, w, "I couldn't open the form ("+code(slackErrorCode(err))+"). "+slackAdvice(slackErrorCode(err)))
		return ""
	}
	if err := r.slack.updateView(ctx, viewID, fill(ctx, viewID)); err != nil {
		r.log.Warn("could not fill a modal", "user", w.userID, "error", slackErrorCode(err))
	}
	return viewID
}

// openNotice opens a modal that only explains something; if Slack will not open it, the person
// is told privately instead.
func (r replies) openNotice(ctx context.Context, w who, triggerID, heading, text string) {
	if _, err := r.slack.openView(ctx, triggerID, noticeModalView(heading, text)); handledHere(ctx) && err != nil {
		r.tell(ctx, w, text)
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
