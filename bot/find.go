package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/invite"
)

// The "find or remove a tester" modal, opened from the App Home: search one channel's app by part
// of an address, and remove a tester from the results.

const (
	callbackFindModal = "find_modal"
	actionFindRemove  = "find_remove"
	blockFilter       = "filter"
)

// findModal is the modal: a search form, and its results once known.
type findModal struct {
	Targets  []target
	Selected string          // target key
	Filter   string          // part of an email
	Results  *invite.Listing // nil: no search yet
	Searched bool            // a search is running or done
	Notice   string          // mrkdwn, already escaped: what just happened
}

// findMeta travels in the find modal's private_metadata, so the Remove buttons can search again.
type findMeta struct {
	Target string `json:"k"`
	Filter string `json:"f,omitempty"`
}

// findModalView builds the find modal. It is pure, and golden-file tested.
func findModalView(m findModal) slack.ModalViewRequest {
	filter := slack.NewPlainTextInputBlockElement(plain("alice@ or example.com"), blockFilter)
	filter.InitialValue = m.Filter
	filter.MaxLength = maxFilter
	filterInput := slack.NewInputBlock(blockFilter, plain("Email contains"), plain("Leave empty to list everyone."), filter)
	filterInput.Optional = true
	blocks := []slack.Block{targetSelect(m.Targets, m.Selected, false), filterInput}
	if m.Notice != "" {
		blocks = append(blocks, section(m.Notice, nil))
	}
	blocks = append(blocks, findResultBlocks(m)...)
	raw, _ := json.Marshal(findMeta{Target: m.Selected, Filter: m.Filter})
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: callbackFindModal, Title: title("Find a tester"),
		Submit: title("Search"), Close: title("Done"), PrivateMetadata: string(raw),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
}

// maxFilter is the longest search text Applivery takes.
const maxFilter = 500

// findResultsShown keeps the modal within Slack's 100-block limit.
const findResultsShown = 40

func findResultBlocks(m findModal) []slack.Block {
	if !m.Searched {
		return nil
	}
	blocks := []slack.Block{slack.NewDividerBlock()}
	if m.Results == nil {
		return append(blocks, slack.NewContextBlock("", mrkdwn(":mag: Searching…")))
	}
	if len(m.Results.Testers) == 0 {
		return append(blocks, slack.NewContextBlock("", mrkdwn("No tester matches.")))
	}
	t, _ := selectedTarget(m)
	for i, tester := range m.Results.Testers {
		if i == findResultsShown {
			break
		}
		u := tester.User
		text := fmt.Sprintf("*%s*\n%s", esc(u.Email), userDetails(tester.App.Name, &u, false))
		btn := revokeButton(revokeTarget{Store: t.Channel.Store, App: tester.App.ID, AppName: tester.App.Name,
			OTPUserID: u.ID, Email: u.Email, Channel: t.Channel.ID})
		btn.ActionID = actionFindRemove
		btn.Text = plain("Remove")
		blocks = append(blocks, section(text, slack.NewAccessory(btn)))
	}
	shown := min(len(m.Results.Testers), findResultsShown)
	blocks = append(blocks, slack.NewContextBlock("", mrkdwn(fmt.Sprintf("Showing %d of %d.", shown, m.Results.Total))))
	return blocks
}

func selectedTarget(m findModal) (target, bool) {
	for _, t := range m.Targets {
		if t.key() == m.Selected {
			return t, true
		}
	}
	return target{}, false
}

// findFlow serves the find modal: searches, and removals through the revoke flow.
type findFlow struct {
	replies
	gate    *gate
	targets *targetPicker
	reads   *testerReads
	revoke  *revokeFlow
}

func (f *findFlow) routes() []route {
	return []route{
		onInteraction(slack.InteractionTypeViewSubmission, callbackFindModal, f.onSubmit),
		onInteraction(slack.InteractionTypeBlockActions, actionFindRemove, f.onRemove),
	}
}

// open opens the modal with the targets the person may manage.
func (f *findFlow) open(ctx context.Context, w who, triggerID string) {
	f.targets.openWith(ctx, w, triggerID, "Find a tester", func(targets []target) slack.ModalViewRequest {
		return findModalView(findModal{Targets: targets})
	})
}

// searchingView is what a search's ack shows until the results are in: small, because an ack
// must stay under 20 KB and a form offering a hundred targets would not.
func searchingView(t target, filter string) slack.ModalViewRequest {
	what := "everyone"
	if filter != "" {
		what = "addresses containing " + code(filter)
	}
	v := noticeModalView("Find a tester", fmt.Sprintf(":mag: Searching %s in *%s*…", what, esc(t.label())))
	v.CallbackID = callbackFindModal
	return v
}

// onSubmit answers a search at once with a "Searching…" modal, then checks access again,
// searches Applivery and shows the form with the results (views.update): Applivery may take
// longer than Slack's 3 s.
func (f *findFlow) onSubmit(cb slack.InteractionCallback) reply {
	key := stateValue(cb.View.State, blockTarget).SelectedOption.Value
	t, ok := f.targets.resolve(key)
	if !ok {
		return reply{ack: inputErrors(cb.View, map[string]string{blockTarget: "Choose a channel and app."})}
	}
	filter := strings.TrimSpace(stateValue(cb.View.State, blockFilter).Value)
	searching := searchingView(t, filter)
	w := who{userID: cb.User.ID}
	return reply{
		ack: slack.NewUpdateViewSubmissionResponse(&searching),
		after: func(ctx context.Context) {
			if f.gate.mayManage(ctx, w, t.Channel.ID) {
				f.showResults(ctx, w, cb.View.ID, t, filter, "")
			}
		},
	}
}

// showResults searches Applivery and shows the form again with what it found, offering the
// targets the person may manage.
func (f *findFlow) showResults(ctx context.Context, w who, viewID string, t target, filter, notice string) {
	channels, err := f.gate.manageable(ctx, w.userID)
	if err != nil {
		channels = []config.Channel{t.Channel}
	}
	m := findModal{Targets: f.targets.named(ctx, channels), Selected: t.key(), Filter: filter, Searched: true, Notice: notice}
	listing, err := f.reads.list(ctx, t.Channel, []config.App{t.App}, filter, findResultsShown)
	if err != nil {
		m.Notice = strings.TrimSpace(notice + "\n:x: " + explainError(err))
		listing = &invite.Listing{}
	}
	m.Results = listing
	if err := f.slack.updateView(ctx, viewID, findModalView(m)); err != nil {
		f.log.Warn("could not update the find modal", "error", slackErrorCode(err))
	}
}

// onRemove removes a tester from the find modal's results, then shows the search again.
func (f *findFlow) onRemove(cb slack.InteractionCallback) reply {
	var rt revokeTarget
	_ = json.Unmarshal([]byte(cb.ActionCallback.BlockActions[0].Value), &rt)
	var meta findMeta
	_ = json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta)
	w := who{userID: cb.User.ID}
	return reply{after: func(ctx context.Context) {
		t, ok := f.targets.resolve(meta.Target)
		if !ok || t.Channel.Store != rt.Store || t.App.ID != rt.App {
			f.log.Warn("find modal remove for a target no longer mapped", "target", meta.Target)
			return
		}
		if !f.gate.mayManage(ctx, w, t.Channel.ID) {
			return
		}
		notice := f.revoke.remove(ctx, w, t.Channel.ID, originHome, rt)
		f.showResults(ctx, w, cb.View.ID, t, meta.Filter, notice)
	}}
}
