package slackfake

import (
	"context"
	"encoding/json"
	"time"
)

// Ack is one acknowledgement frame the client sent for an envelope.
type Ack struct {
	EnvelopeID string
	// Payload is the ack's payload (e.g. a view_submission response_action),
	// nil when the client acked without one.
	Payload json.RawMessage
	// Latency runs from the moment the envelope was (last) written to the
	// moment the ack was read; Slack gives up after 3 s.
	Latency time.Duration
}

// recordAck stores a frame from the client if it is an ack; Slack ignores
// anything else a client sends, and so does the fake.
func (s *Server) recordAck(frame []byte, readAt time.Time) {
	var msg struct {
		EnvelopeID string          `json:"envelope_id"`
		Payload    json.RawMessage `json:"payload"`
	}
	if json.Unmarshal(frame, &msg) != nil || msg.EnvelopeID == "" {
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	ack := Ack{EnvelopeID: msg.EnvelopeID, Payload: msg.Payload}
	if env, ok := s.state.envelopes[msg.EnvelopeID]; ok && !env.writtenAt.IsZero() {
		ack.Latency = readAt.Sub(env.writtenAt)
	}
	s.state.acks = append(s.state.acks, ack)
	s.notifyLocked()
}

// WaitAck blocks until the envelope is acknowledged and returns the first ack.
func (s *Server) WaitAck(ctx context.Context, envelopeID string) (Ack, error) {
	return waitFor(ctx, s, "ack of envelope "+envelopeID, func() (Ack, bool) {
		return first(s.Acks(envelopeID), nil)
	})
}

// Acks returns every ack received for the envelope, in arrival order, so a
// test can catch a bot that acks twice.
func (s *Server) Acks(envelopeID string) []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	var acks []Ack
	for _, ack := range s.state.acks {
		if ack.EnvelopeID == envelopeID {
			acks = append(acks, ack)
		}
	}
	return acks
}
