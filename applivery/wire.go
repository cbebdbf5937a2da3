package applivery

import (
	"bytes"
	"encoding/json"
	"time"
)

// Helpers for reading Applivery's JSON leniently. The API has changed
// shape over the years ("_id" vs "id", references as ids or objects), and
// a bot should not break on an informational field it does not need.

// jsonTime is an RFC 3339 timestamp that writes null when unset and, when
// reading, leaves itself unset for anything that is not a valid timestamp
// (null, "", numbers): dates are informational, so a surprising one must
// not make a whole response unreadable.
type jsonTime struct{ time.Time }

func (j jsonTime) MarshalJSON() ([]byte, error) {
	if j.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(j.Time.Format(time.RFC3339Nano))
}

func (j *jsonTime) UnmarshalJSON(data []byte) error {
	var s string
	if json.Unmarshal(data, &s) != nil {
		return nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		j.Time = t
	}
	return nil
}

func jsonTimeOf(t *time.Time) jsonTime {
	if t == nil {
		return jsonTime{}
	}
	return jsonTime{*t}
}

func timePointer(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// refID extracts an id from a reference that is either "id" or {"id": …}
// / {"_id": …}.
func refID(raw json.RawMessage) string {
	var ref struct {
		ID      string `json:"id"`
		MongoID string `json:"_id"`
	}
	return decodeRef(raw, &ref, func() string { return firstNonEmpty(ref.ID, ref.MongoID) })
}

// refName extracts the name of a reference that may be a bare id.
func refName(raw json.RawMessage) string {
	var ref struct {
		Name string `json:"name"`
	}
	if isJSONString(raw) {
		return ""
	}
	return decodeRef(raw, &ref, func() string { return ref.Name })
}

func decodeRef(raw json.RawMessage, into any, pick func() string) string {
	if len(raw) == 0 {
		return ""
	}
	if isJSONString(raw) {
		var s string
		_ = json.Unmarshal(raw, &s)
		return s
	}
	if json.Unmarshal(raw, into) != nil {
		return ""
	}
	return pick()
}

func isJSONString(raw json.RawMessage) bool {
	return bytes.HasPrefix(bytes.TrimSpace(raw), []byte(`"`))
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
