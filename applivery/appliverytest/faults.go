package appliverytest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/testerbot/testerbot/applivery"
)

// Fault is an answer the server gives instead of (or after) doing its job.
type Fault struct {
	Status  int    // HTTP status; 500 when zero
	Message string // message of the JSON error body
	// Body replaces the JSON error body with an HTML page, such as a proxy's.
	Body string
	// AfterCommit processes the request normally first and only then
	// answers with the fault, like a proxy timing out on a backend that
	// still did the work.
	AfterCommit bool

	code       int    // Applivery error code of the JSON error body (APIError)
	retryAfter string // Retry-After header, e.g. "2" (RateLimited)
}

// APIError is a fault answered with Applivery's JSON error shape.
func APIError(status, code int, message string) *Fault {
	return &Fault{Status: status, code: code, Message: message}
}

// BadGateway is the HTML 502 a proxy in front of the API answers with.
func BadGateway() *Fault {
	return &Fault{
		Status: http.StatusBadGateway,
		Body:   "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n",
	}
}

// RateLimited is a 429 asking the client to wait retryAfter ("" for no
// Retry-After header).
func RateLimited(retryAfter string) *Fault {
	return &Fault{Status: http.StatusTooManyRequests, Message: "Too Many Requests", retryAfter: retryAfter}
}

func (f *Fault) write(w http.ResponseWriter) {
	status := f.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if f.retryAfter != "" {
		w.Header().Set("Retry-After", f.retryAfter)
	}
	if f.Body == "" {
		writeError(w, status, f.code, f.Message)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(f.Body))
}

// failRule answers matching requests with a fault a limited number of times.
type failRule struct {
	method, pathSuffix string
	remaining          int // < 0 means forever
	fault              *Fault
}

// Inject registers a hook consulted for every request before anything
// else; the first hook returning a non-nil Fault decides the answer.
func (s *Server) Inject(hook func(r *http.Request) *Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.injectors = append(s.injectors, hook)
}

// Fail answers the next times requests with the method ("" for any) and a
// path ending in pathSuffix with a JSON API error; times < 0 means every
// such request.
func (s *Server) Fail(method, pathSuffix string, times int, status, code int, message string) {
	s.FailWith(method, pathSuffix, times, APIError(status, code, message))
}

// FailWith is Fail with any Fault, e.g. BadGateway() or RateLimited("1").
func (s *Server) FailWith(method, pathSuffix string, times int, fault *Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules = append(s.rules, &failRule{method: method, pathSuffix: pathSuffix, remaining: times, fault: fault})
}

// SetLatency makes every request wait d before being handled. The wait
// ends early if the client gives up.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// HangAfterCreate makes creates store the new user and then wait d (or
// until the client gives up) before answering, so a client timeout leaves
// the outcome unknown although the user exists. Zero turns it off.
func (s *Server) HangAfterCreate(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hangAfterCreate = d
}

// CommitCreatesAfter makes every create wait d after it arrives before it
// is committed, whether or not the client is still waiting (only the end of
// the test stops it), like a create still in flight inside Applivery when
// the client gives up. The client is answered once the create has committed,
// or never if it has gone. Zero turns it off. OnCreate tells when a create
// has landed.
func (s *Server) CommitCreatesAfter(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commitDelay = d
}

// AllowDuplicates makes creates accept a second OTP user with the same
// email for the same published app instead of refusing it with code 6001,
// so that only the client can prevent duplicates.
func (s *Server) AllowDuplicates(allow bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.duplicatesOK = allow
}

// OnCreate registers a hook called with every OTP user a create commits,
// from the handler's goroutine, whether or not the client is still there to
// be answered.
func (s *Server) OnCreate(hook func(applivery.OTPUser)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.createHooks = append(s.createHooks, hook)
}

func (s *Server) faultFor(r *http.Request) *Fault {
	s.mu.Lock()
	injectors := append([]func(*http.Request) *Fault(nil), s.injectors...)
	s.mu.Unlock()
	// Hooks run unlocked so they may call back into the server.
	for _, hook := range injectors {
		if f := hook(r); f != nil {
			return f
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rule := range s.rules {
		if rule.remaining != 0 && matches(r.Method, r.URL.Path, rule.method, rule.pathSuffix) {
			if rule.remaining > 0 {
				rule.remaining--
			}
			return rule.fault
		}
	}
	return nil
}

// writeError answers with Applivery's error shape.
func writeError(w http.ResponseWriter, status, code int, message string) {
	writeJSON(w, status, map[string]any{
		"status": false,
		"error":  map[string]any{"code": code, "message": message},
	})
}

// writeData answers with Applivery's success shape.
func writeData(w http.ResponseWriter, data any) {
	writeJSON(w, http.StatusOK, map[string]any{"status": true, "data": data})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// RequestEmail returns the "email" of a request's JSON body without consuming it, so an
// Inject hook can fail the create of one address among many while the fake still serves it.
func RequestEmail(r *http.Request) string {
	if r.Body == nil {
		return ""
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	var v struct {
		Email string `json:"email"`
	}
	_ = json.Unmarshal(body, &v)
	return v.Email
}
