package slackfake

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"time"
)

// Call is one Web API request the bot made, recorded whatever the answer.
type Call struct {
	Method string
	// Args holds form fields, or the top-level fields of a JSON body as
	// strings (objects such as "view" as their JSON text). The token is
	// never recorded.
	Args map[string]string
	// JSON is the raw body when the call was JSON-encoded, nil otherwise.
	JSON json.RawMessage
	// At is when the call arrived, on the server's clock (see WithClock).
	At time.Time
	// Error is the Slack error code the fake answered with ("ratelimited",
	// "invalid_auth", "invalid_blocks", …), empty when it answered ok:true.
	Error string
	// Messages are the response_metadata.messages of a refusal, one per
	// problem: "[ERROR] must be less than 25 characters
	// [json-pointer:/view/title/text]".
	Messages []string
	// limited marks an HTTP 429 answer (an "ratelimited" error code may also come with 200).
	limited bool
}

// Calls returns the recorded calls to method in arrival order; an empty
// method returns every call.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var calls []Call
	for _, call := range s.state.calls {
		if method == "" || call.Method == method {
			call.Args = maps.Clone(call.Args)
			call.Messages = slices.Clone(call.Messages)
			calls = append(calls, call)
		}
	}
	return calls
}

// WaitCall blocks until a call to method satisfying match (nil matches any)
// has been answered, and returns the first such call, past or future. The
// fake's state already reflects the call when WaitCall returns.
func (s *Server) WaitCall(ctx context.Context, method string, match func(Call) bool) (Call, error) {
	return waitFor(ctx, s, "call to "+method, func() (Call, bool) {
		return first(s.Calls(method), match)
	})
}
