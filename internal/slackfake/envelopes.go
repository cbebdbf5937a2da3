package slackfake

import (
	"encoding/json"
	"errors"
	"slices"
	"time"
)

// Socket Mode envelope types, as Slack names them on the wire.
const (
	kindSlashCommand = "slash_commands"
	kindInteractive  = "interactive"
	kindEventsAPI    = "events_api"
)

// envelope is one Socket Mode request, kept so it can be redelivered and so
// acks can be timed against the moment it was written.
type envelope struct {
	id              string
	kind            string
	payload         json.RawMessage
	acceptsResponse bool
	retryAttempt    int
	retryReason     string
	writtenAt       time.Time
	deliveries      []int // the connection each write went to, in order
}

// frame renders the envelope in Slack's shape. Only Events API envelopes
// carry retry fields, unless the test forced a redelivery of another kind.
func (env *envelope) frame() []byte {
	fields := map[string]any{
		"envelope_id":              env.id,
		"type":                     env.kind,
		"accepts_response_payload": env.acceptsResponse,
		"payload":                  env.payload,
	}
	if env.kind == kindEventsAPI || env.retryAttempt > 0 {
		fields["retry_attempt"] = env.retryAttempt
		fields["retry_reason"] = env.retryReason
	}
	return mustJSON(fields)
}

// send wraps payload in a new envelope, delivers it and returns its ID.
func (s *Server) send(kind string, payload json.RawMessage) string {
	s.mu.Lock()
	env := &envelope{
		id:              s.ids.envelopeID(),
		kind:            kind,
		payload:         payload,
		acceptsResponse: kind != kindEventsAPI,
	}
	s.state.envelopes[env.id] = env
	s.mu.Unlock()

	s.deliver(env, 0)
	return env.id
}

// errRetired reports a socket that stopped taking envelopes while a write
// to it was waiting its turn.
var errRetired = errors.New("socket no longer takes envelopes")

// deliver writes the envelope to one active socket (see pickSocketLocked;
// avoid is a connection to pass over if possible), or queues it until a
// client connects, so a test need not wait for reconnects before raising
// the next envelope. Each failed attempt retires a socket, so the loop ends.
func (s *Server) deliver(env *envelope, avoid int) {
	for {
		s.mu.Lock()
		sock := s.pickSocketLocked(avoid)
		if sock == nil {
			s.state.pending = append(s.state.pending, env)
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()

		if s.writeTo(sock, env) == nil {
			return
		}
	}
}

func (s *Server) writeTo(sock *socket, env *envelope) error {
	sock.writeMu.Lock()
	defer sock.writeMu.Unlock()
	err := s.writeEnvelope(sock, env)
	if err != nil && !errors.Is(err, errRetired) {
		s.deactivate(sock)
		sock.abort()
	}
	return err
}

// writeEnvelope writes one envelope; the caller holds sock.writeMu. It
// re-checks under that lock that the socket is still active, so nothing
// lands after a disconnect frame. The write time and connection are
// stamped before writing so an ack racing back on the reader goroutine
// always finds them; a failed write takes its delivery back.
func (s *Server) writeEnvelope(sock *socket, env *envelope) error {
	s.mu.Lock()
	if !sock.active {
		s.mu.Unlock()
		return errRetired
	}
	env.writtenAt = time.Now()
	env.deliveries = append(env.deliveries, sock.ordinal)
	frame := env.frame()
	s.mu.Unlock()

	err := sock.write(frame)
	if err != nil {
		s.mu.Lock()
		env.deliveries = env.deliveries[:len(env.deliveries)-1]
		s.mu.Unlock()
	}
	return err
}

// Deliveries lists the connection (numbered as Connections counts them)
// that each delivery of the envelope was written to, first delivery first;
// empty while it waits for a connection.
func (s *Server) Deliveries(envelopeID string) []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if env, ok := s.state.envelopes[envelopeID]; ok {
		return slices.Clone(env.deliveries)
	}
	return nil
}

// Redeliver sends an envelope again with retry_attempt incremented, as Slack
// does when an ack is late. Slack retries on any of the app's connections:
// the fake picks one other than the last delivery's whenever another is
// live, so a retry can reach a different replica than the first attempt.
func (s *Server) Redeliver(envelopeID string) {
	s.t.Helper()
	s.mu.Lock()
	env, ok := s.state.envelopes[envelopeID]
	last := 0
	if ok {
		env.retryAttempt++
		env.retryReason = "timeout"
		if n := len(env.deliveries); n > 0 {
			last = env.deliveries[n-1]
		}
	}
	s.mu.Unlock()

	if !ok {
		s.t.Errorf("slackfake: Redeliver(%q): no such envelope", envelopeID)
		return
	}
	s.deliver(env, last)
}
