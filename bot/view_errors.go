package bot

import (
	"maps"
	"slices"
	"strings"

	"github.com/slack-go/slack"
)

// inputErrors is a view_submission ack that shows each problem under an input of the submitted
// view. Slack refuses a response_action "errors" that names any other block (a context line, a
// section), and the person then sees nothing at all; so a problem keyed by a block that is not an
// input of this view (the single-target invite form shows its target as text; the setup form
// shows no app select until a store's apps are loaded) goes under the first input, where it is
// read first. Several problems under one input are joined.
func inputErrors(view slack.View, problems map[string]string) *slack.ViewSubmissionResponse {
	inputs := inputBlockIDs(view.Blocks.BlockSet)
	out := make(map[string]string, len(problems))
	var moved []string
	for _, key := range slices.Sorted(maps.Keys(problems)) {
		if slices.Contains(inputs, key) || len(inputs) == 0 {
			out[key] = problems[key]
		} else {
			moved = append(moved, problems[key])
		}
	}
	if len(moved) > 0 {
		first := inputs[0]
		if own, ok := out[first]; ok {
			moved = append(moved, own)
		}
		out[first] = truncate(strings.Join(moved, " "), maxPlainText)
	}
	return slack.NewErrorsViewSubmissionResponse(out)
}

// inputBlockIDs lists the block ids of a view's input blocks, in the view's order.
func inputBlockIDs(blocks []slack.Block) []string {
	var ids []string
	for _, b := range blocks {
		if in, ok := b.(*slack.InputBlock); ok && in.BlockID != "" {
			ids = append(ids, in.BlockID)
		}
	}
	return ids
}
