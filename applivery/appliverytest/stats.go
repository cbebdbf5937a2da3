package appliverytest

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Request is a request the server received, as it arrived.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Body   []byte
	// Arrived is when the server received the request, before any latency
	// or fault was applied.
	Arrived time.Time
}

func (s *Server) begin(r *http.Request, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{
		Method:  r.Method,
		Path:    r.URL.Path,
		Query:   r.URL.Query(),
		Body:    body,
		Arrived: time.Now(),
	})
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
}

func (s *Server) end() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFlight--
}

// Requests returns the requests received since the start or the last
// ResetStats, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Count returns how many received requests had the method ("" for any)
// and a path ending in pathSuffix (e.g. "/otp-users").
func (s *Server) Count(method, pathSuffix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if matches(r.Method, r.Path, method, pathSuffix) {
			n++
		}
	}
	return n
}

// MaxInFlight is the peak number of requests handled at once since the
// start or the last ResetStats, for testing concurrency limits.
func (s *Server) MaxInFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxInFlight
}

// ResetStats forgets recorded requests and the in-flight peak.
func (s *Server) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
	s.maxInFlight = s.inFlight
}

func matches(gotMethod, gotPath, method, pathSuffix string) bool {
	return (method == "" || strings.EqualFold(method, gotMethod)) && strings.HasSuffix(gotPath, pathSuffix)
}
