package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// writeTimeout bounds every socket write so a stuck client fails the write
// (and the envelope is re-queued) instead of hanging the test.
const writeTimeout = 5 * time.Second

// slack-go dials with "Origin: https://api.slack.com", which gorilla's
// default same-origin check would reject.
var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// socket is one Socket Mode connection.
type socket struct {
	ws      *websocket.Conn
	ordinal int // 1 for the first connection ever opened, 2 for the next…
	// writeMu serialises data frames: gorilla allows one writer at a time.
	// Control frames (pings) may be written concurrently.
	writeMu sync.Mutex
	// active is guarded by Server.mu: set once hello is sent, cleared when
	// the fake asked the client to go away, so new envelopes avoid it.
	active bool
	done   chan struct{}
	once   sync.Once
}

// abort closes the connection without a close frame, like a network drop.
func (sock *socket) abort() {
	sock.once.Do(func() {
		close(sock.done)
		_ = sock.ws.Close()
	})
}

func (sock *socket) write(frame []byte) error {
	if err := sock.ws.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil {
		return err
	}
	return sock.ws.WriteMessage(websocket.TextMessage, frame)
}

// serveSocket accepts the WebSocket dial that follows apps.connections.open.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	if !s.redeemTicket(r.URL.Query().Get("ticket")) {
		http.Error(w, "invalid or used ticket", http.StatusUnauthorized)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader already answered the client
	}
	sock := &socket{ws: ws, done: make(chan struct{})}
	if !s.register(sock) {
		sock.abort()
		return
	}
	defer s.goroutines.Done()
	defer s.unregister(sock)

	go s.pingLoop(sock)
	if err := s.greet(sock); err != nil {
		sock.abort()
		return
	}
	s.readLoop(sock)
}

func (s *Server) redeemTicket(ticket string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	used, known := s.state.tickets[ticket]
	if !known || used {
		return false
	}
	s.state.tickets[ticket] = true
	return true
}

// register records a new socket and accounts for its two goroutines (this
// handler and the ping loop). It refuses once the server is closing, so
// Close never waits on a goroutine that started after it.
func (s *Server) register(sock *socket) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.goroutines.Add(2)
	s.state.sockets = append(s.state.sockets, sock)
	s.state.connections++
	sock.ordinal = s.state.connections
	s.notifyLocked()
	return true
}

func (s *Server) unregister(sock *socket) {
	sock.abort()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, other := range s.state.sockets {
		if other == sock {
			s.state.sockets = append(s.state.sockets[:i], s.state.sockets[i+1:]...)
			break
		}
	}
	sock.active = false
	s.notifyLocked()
}

// greet sends hello, then marks the socket active and flushes envelopes that
// were raised while no socket was live. Holding writeMu throughout keeps
// those queued envelopes ahead of any sent concurrently.
func (s *Server) greet(sock *socket) error {
	sock.writeMu.Lock()
	defer sock.writeMu.Unlock()

	s.mu.Lock()
	hello := helloFrame(len(s.state.sockets))
	s.mu.Unlock()
	if err := sock.write(hello); err != nil {
		return err
	}

	s.mu.Lock()
	sock.active = true
	queued := s.state.pending
	s.state.pending = nil
	s.notifyLocked()
	s.mu.Unlock()

	for i, env := range queued {
		if err := s.writeEnvelope(sock, env); err != nil {
			// Retired meanwhile (the socket stays open) or broken: either
			// way the rest go to whichever socket is live next.
			s.deactivate(sock)
			for _, unsent := range queued[i:] {
				s.deliver(unsent, 0)
			}
			if errors.Is(err, errRetired) {
				return nil
			}
			return err
		}
	}
	return nil
}

func helloFrame(numConnections int) []byte {
	frame, _ := json.Marshal(map[string]any{
		"type":            "hello",
		"num_connections": numConnections,
		"debug_info": map[string]any{
			"host":                        "applink-fake-0",
			"build_number":                1,
			"approximate_connection_time": 18060,
		},
		"connection_info": map[string]any{"app_id": appID},
	})
	return frame
}

// pingLoop sends WebSocket PINGs like Slack does; slack-go treats a silent
// link as dead and reconnects.
func (s *Server) pingLoop(sock *socket) {
	defer s.goroutines.Done()
	if s.pingInterval <= 0 {
		<-sock.done
		return
	}
	ticker := time.NewTicker(s.pingInterval)
	defer ticker.Stop()
	for n := 1; ; n++ {
		select {
		case <-sock.done:
			return
		case <-ticker.C:
			payload := []byte(strconv.Itoa(n))
			if err := sock.ws.WriteControl(websocket.PingMessage, payload, time.Now().Add(writeTimeout)); err != nil {
				sock.abort()
				return
			}
		}
	}
}

// readLoop records pongs and acks until the connection ends.
func (s *Server) readLoop(sock *socket) {
	sock.ws.SetPongHandler(func(string) error {
		s.mu.Lock()
		s.state.pongs++
		s.notifyLocked()
		s.mu.Unlock()
		return nil
	})
	for {
		_, data, err := sock.ws.ReadMessage()
		if err != nil {
			return
		}
		s.recordAck(sock, data, time.Now())
	}
}

// deactivate stops routing envelopes to a socket whose write failed.
func (s *Server) deactivate(sock *socket) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sock.active = false
}

// activeSocketsLocked lists the sockets that may receive envelopes, oldest
// first.
func (s *Server) activeSocketsLocked() []*socket {
	var active []*socket
	for _, sock := range s.state.sockets {
		if sock.active {
			active = append(active, sock)
		}
	}
	return active
}

// pickSocketLocked chooses the socket for the next envelope. Slack sends
// each envelope to one of the app's connections; the fake lets them take
// turns, so several replicas all get work. The connection numbered avoid
// (0 for none) is passed over while another one is live.
func (s *Server) pickSocketLocked(avoid int) *socket {
	active := s.activeSocketsLocked()
	others := slices.DeleteFunc(slices.Clone(active), func(sock *socket) bool { return sock.ordinal == avoid })
	if len(others) > 0 {
		active = others
	}
	if len(active) == 0 {
		return nil
	}
	sock := active[s.state.turn%len(active)]
	s.state.turn++
	return sock
}

// WaitConnected blocks until a client holds a live socket that has been
// greeted with hello and not asked to disconnect.
func (s *Server) WaitConnected(ctx context.Context) error {
	return s.WaitConnections(ctx, 1)
}

// WaitConnections blocks until at least n live sockets (greeted, not asked
// to disconnect) are open, e.g. one per replica of the bot.
func (s *Server) WaitConnections(ctx context.Context, n int) error {
	_, err := waitFor(ctx, s, fmt.Sprintf("%d Socket Mode connections", n), func() (struct{}, bool) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return struct{}{}, len(s.activeSocketsLocked()) >= n
	})
	return err
}

// WaitDisconnected blocks until no live socket is open, e.g. once a stopped bot's close has
// reached the server, so that a restarted bot's connection is told apart from it.
func (s *Server) WaitDisconnected(ctx context.Context) error {
	_, err := waitFor(ctx, s, "no Socket Mode connection", func() (struct{}, bool) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return struct{}{}, len(s.activeSocketsLocked()) == 0
	})
	return err
}

// Connections counts the sockets ever opened, so a test can see that the bot
// reconnected. Connections are numbered in that order, from 1 (see
// Deliveries and Ack.Connection).
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.connections
}

// Pongs counts the PONG frames the client answered pings with, across all
// connections.
func (s *Server) Pongs() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.pongs
}

// Disconnect sends a disconnect envelope with the given reason
// ("refresh_requested", "warning", "link_disabled") to every live socket.
// Those sockets receive no further envelopes; new ones wait for the client's
// next connection, as slack-go reconnects on any disconnect.
func (s *Server) Disconnect(reason string) {
	frame := disconnectFrame(reason)
	for _, sock := range s.retireSockets(false) {
		sock.writeMu.Lock()
		if err := sock.write(frame); err != nil {
			sock.abort()
		}
		sock.writeMu.Unlock()
	}
}

// DisconnectOldest sends a disconnect envelope with the given reason to the oldest live socket
// only, as Slack refreshes each of an app's connections on a schedule of its own. That socket
// receives no further envelopes; the others go on receiving them. It returns the socket's number
// (see Connections), or 0 when none was live.
func (s *Server) DisconnectOldest(reason string) int {
	s.mu.Lock()
	active := s.activeSocketsLocked()
	if len(active) == 0 {
		s.mu.Unlock()
		return 0
	}
	sock := active[0]
	sock.active = false
	s.notifyLocked()
	s.mu.Unlock()
	sock.writeMu.Lock()
	defer sock.writeMu.Unlock()
	if err := sock.write(disconnectFrame(reason)); err != nil {
		sock.abort()
	}
	return sock.ordinal
}

func disconnectFrame(reason string) []byte {
	frame, _ := json.Marshal(map[string]any{
		"type":       "disconnect",
		"reason":     reason,
		"debug_info": map[string]any{"host": "applink-fake-0"},
	})
	return frame
}

// DropConnection closes every open socket abruptly, without a close frame,
// as a network failure would.
func (s *Server) DropConnection() {
	for _, sock := range s.retireSockets(true) {
		sock.abort()
	}
}

// retireSockets stops routing envelopes to the open sockets and returns the
// ones that were active, or every open one when all is set.
func (s *Server) retireSockets(all bool) []*socket {
	s.mu.Lock()
	defer s.mu.Unlock()
	var retired []*socket
	for _, sock := range s.state.sockets {
		if sock.active || all {
			retired = append(retired, sock)
		}
		sock.active = false
	}
	s.notifyLocked()
	return retired
}
