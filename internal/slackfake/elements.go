package slackfake

import (
	"fmt"
	"time"
)

// elementHit is an interactive element found in a blocks array.
type elementHit struct {
	blockID string
	element map[string]any
}

// findElements lists the interactive elements of a blocks array: section
// accessories, actions/context elements and input elements. A block without
// a block_id gets a positional one, standing in for the ID Slack would assign.
func findElements(blocks any) []elementHit {
	list, _ := blocks.([]any)
	var hits []elementHit
	for i, item := range list {
		block, ok := item.(map[string]any)
		if !ok {
			continue
		}
		blockID := blockIDAt(block, i)
		candidates := []any{block["accessory"], block["element"]}
		if elements, ok := block["elements"].([]any); ok {
			candidates = append(candidates, elements...)
		}
		for _, candidate := range candidates {
			if element, ok := candidate.(map[string]any); ok && stringField(element, "action_id") != "" {
				hits = append(hits, elementHit{blockID: blockID, element: element})
			}
		}
	}
	return hits
}

// blockIDAt is a block's block_id, or for a block without one a positional
// ID standing in for the one Slack would assign.
func blockIDAt(block map[string]any, i int) string {
	if id := stringField(block, "block_id"); id != "" {
		return id
	}
	return fmt.Sprintf("block-%d", i)
}

// inputBlockIDs lists the IDs of the input blocks in a blocks array.
func inputBlockIDs(blocks any) []string {
	list, _ := blocks.([]any)
	var ids []string
	for i, item := range list {
		if block, ok := item.(map[string]any); ok && stringField(block, "type") == "input" {
			ids = append(ids, blockIDAt(block, i))
		}
	}
	return ids
}

// clickedAction builds the "actions" entry Slack sends for a click on the
// element with actionID.
func clickedAction(blocks any, actionID, value string, now time.Time) (map[string]any, error) {
	for _, hit := range findElements(blocks) {
		if stringField(hit.element, "action_id") != actionID {
			continue
		}
		if value == "" {
			value = stringField(hit.element, "value")
		}
		action := map[string]any{
			"action_id": actionID,
			"block_id":  hit.blockID,
			"type":      stringField(hit.element, "type"),
			"action_ts": slackTS(now),
		}
		if text, ok := hit.element["text"]; ok {
			action["text"] = text
		}
		if value != "" {
			action["value"] = value
		}
		return action, nil
	}
	return nil, fmt.Errorf("no element with action_id %q", actionID)
}
