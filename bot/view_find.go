package bot

import (
	"encoding/json"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/invite"
)

// findModal is the "find or remove a tester" modal: a search form, and its results once known.
type findModal struct {
	Targets  []target
	Selected string          // target key
	Filter   string          // part of an email
	Results  *invite.Listing // nil: no search yet
	Searched bool            // a search is running or done
	Notice   string          // mrkdwn, already escaped: what just happened
	Store    string
}

// findMeta travels in the find modal's private_metadata, so the Remove buttons can search again.
type findMeta struct {
	Target string `json:"k"`
	Filter string `json:"f,omitempty"`
}

// findModalView builds the find modal. It is pure, and golden-file tested.
func findModalView(m findModal) slack.ModalViewRequest {
	sel := targetSelect(m.Targets, false)
	if m.Selected != "" {
		for _, opt := range sel.Element.(*slack.SelectBlockElement).Options {
			if opt.Value == m.Selected {
				sel.Element.(*slack.SelectBlockElement).InitialOption = opt
			}
		}
	}
	filter := slack.NewPlainTextInputBlockElement(plain("alice@ or example.com"), blockFilter)
	filter.InitialValue = m.Filter
	filterInput := slack.NewInputBlock(blockFilter, plain("Email contains"), plain("Leave empty to list everyone."), filter)
	filterInput.Optional = true
	blocks := []slack.Block{sel, filterInput}
	if m.Notice != "" {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(m.Notice), nil, nil))
	}
	blocks = append(blocks, findResultBlocks(m)...)
	meta, _ := json.Marshal(findMeta{Target: m.Selected, Filter: m.Filter})
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: callbackFindModal, Title: plain("Find a tester"),
		Submit: plain("Search"), Close: plain("Done"), PrivateMetadata: string(meta),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
}

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
	for i, t := range m.Results.Testers {
		if i == findResultsShown {
			break
		}
		u := t.User
		text := fmt.Sprintf("*%s*\n%s", esc(u.Email), userDetails(t.App.Name, &u, false))
		btn := revokeButton(invite.Request{StoreID: m.Store, AppID: t.App.ID, AppName: t.App.Name}, u.Email, &u)
		btn.ActionID = actionFindRemove
		btn.Text = plain("Remove")
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(text), nil, slack.NewAccessory(btn)))
	}
	shown := min(len(m.Results.Testers), findResultsShown)
	blocks = append(blocks, slack.NewContextBlock("", mrkdwn(fmt.Sprintf("Showing %d of %d.", shown, m.Results.Total))))
	return blocks
}
