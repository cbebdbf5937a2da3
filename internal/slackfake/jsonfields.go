package slackfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// The fake handles views, events and payloads as generic JSON objects so
// it passes through every field the bot sent, not just those slack-go models.

// mustJSON marshals values the fake built itself, which cannot fail.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("slackfake: marshal: " + err.Error())
	}
	return b
}

// objectFields round-trips v through JSON into a map, keeping numbers exact.
func objectFields(v any) (map[string]any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return decodeObject(raw)
}

// decodeObject parses a JSON object, keeping numbers as json.Number so they
// are written back unchanged.
func decodeObject(raw []byte) (map[string]any, error) {
	var fields map[string]any
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.UseNumber()
	if err := decoder.Decode(&fields); err != nil {
		return nil, fmt.Errorf("want a JSON object: %w", err)
	}
	if fields == nil {
		return nil, errors.New("want a JSON object, got null")
	}
	return fields, nil
}

// decodeArray parses a JSON array (e.g. a message's blocks); empty input is
// an empty array.
func decodeArray(raw []byte) ([]any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var items []any
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.UseNumber()
	err := decoder.Decode(&items)
	return items, err
}

// cloneObject deep-copies a decoded object so a payload can be edited
// without touching stored state.
func cloneObject(fields map[string]any) map[string]any {
	clone, err := decodeObject(mustJSON(fields))
	if err != nil {
		panic("slackfake: clone: " + err.Error())
	}
	return clone
}

func stringField(fields map[string]any, key string) string {
	text, _ := fields[key].(string)
	return text
}

func isJSONArray(text string) bool {
	return strings.HasPrefix(strings.TrimSpace(text), "[") && json.Valid([]byte(text))
}

// compact removes zero values (empty strings, false, 0, null, empty arrays
// and objects) recursively: slack.BlockAction marshals every field, while
// Slack only sends the ones that apply to the element.
func compact(value any) any {
	switch v := value.(type) {
	case map[string]any:
		for key, inner := range v {
			if inner = compact(inner); isZero(inner) {
				delete(v, key)
			} else {
				v[key] = inner
			}
		}
		return v
	case []any:
		kept := v[:0]
		for _, inner := range v {
			if inner = compact(inner); !isZero(inner) {
				kept = append(kept, inner)
			}
		}
		return kept
	}
	return value
}

func isZero(value any) bool {
	switch v := value.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case bool:
		return !v
	case map[string]any:
		return len(v) == 0
	case []any:
		return len(v) == 0
	case json.Number:
		return v == "0"
	}
	return false
}

// isBlank reports whether value holds nothing but zero values, without
// modifying it.
func isBlank(value any) bool {
	switch v := value.(type) {
	case map[string]any:
		for _, inner := range v {
			if !isBlank(inner) {
				return false
			}
		}
		return true
	case []any:
		for _, inner := range v {
			if !isBlank(inner) {
				return false
			}
		}
		return true
	}
	return isZero(value)
}
