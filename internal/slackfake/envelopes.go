package slackfake

import (
	"encoding/json"
	"errors"
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

	s.deliver(env)
	return env.id
}

// errRetired reports a socket that stopped taking envelopes while a write
// to it was waiting its turn.
var errRetired = errors.New("socket no longer takes envelopes")

// deliver writes the envelope to the newest active socket, or queues it
// until a client connects, so a test need not wait for reconnects before
// raising the next envelope. Each failed attempt retires a socket, so the
// loop ends.
func (s *Server) deliver(env *envelope) {
	for {
		s.mu.Lock()
		sock := s.activeSocketLocked()
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
// lands after a disconnect frame. The write time is stamped before writing
// so an ack racing back on the reader goroutine always finds it.
func (s *Server) writeEnvelope(sock *socket, env *envelope) error {
	s.mu.Lock()
	if !sock.active {
		s.mu.Unlock()
		return errRetired
	}
	env.writtenAt = time.Now()
	frame := env.frame()
	s.mu.Unlock()
	return sock.write(frame)
}

// Redeliver sends an envelope again with retry_attempt incremented, as Slack
// does when an ack is late.
func (s *Server) Redeliver(envelopeID string) {
	s.t.Helper()
	s.mu.Lock()
	env, ok := s.state.envelopes[envelopeID]
	if ok {
		env.retryAttempt++
		env.retryReason = "timeout"
	}
	s.mu.Unlock()

	if !ok {
		s.t.Errorf("slackfake: Redeliver(%q): no such envelope", envelopeID)
		return
	}
	s.deliver(env)
}
