package slackfake

import (
	"fmt"
	"time"
)

// elementHit is an interactive element found in a blocks array.
type elementHit struct {
	blockID string
	block   map[string]any
	element map[string]any
}

// dispatches reports whether Slack sends block_actions when the element is
// used: always outside input blocks, inside one only with dispatch_action.
func (hit elementHit) dispatches() bool {
	return stringField(hit.block, "type") != "input" || hit.block["dispatch_action"] == true
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
				hits = append(hits, elementHit{blockID: blockID, block: block, element: element})
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

// findElement finds the element with actionID in a blocks array.
func findElement(blocks any, actionID string) (elementHit, bool) {
	for _, hit := range findElements(blocks) {
		if stringField(hit.element, "action_id") == actionID {
			return hit, true
		}
	}
	return elementHit{}, false
}

// clickedAction builds the "actions" entry Slack sends for a click on the
// element with actionID.
func clickedAction(blocks any, actionID, value string, now time.Time) (map[string]any, error) {
	hit, ok := findElement(blocks, actionID)
	if !ok {
		return nil, fmt.Errorf("no element with action_id %q", actionID)
	}
	if value == "" {
		value = stringField(hit.element, "value")
	}
	action := hit.action(now)
	if text, ok := hit.element["text"]; ok {
		action["text"] = text
	}
	if value != "" {
		action["value"] = value
	}
	return action, nil
}

// action is the "actions" entry Slack sends for the element, before the
// fields that depend on what was done with it.
func (hit elementHit) action(now time.Time) map[string]any {
	return map[string]any{
		"action_id": stringField(hit.element, "action_id"),
		"block_id":  hit.blockID,
		"type":      stringField(hit.element, "type"),
		"action_ts": slackTS(now),
	}
}
