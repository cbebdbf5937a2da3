package slackfake

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"
)

// ResponsePost is one message the bot sent to a response_url.
type ResponsePost struct {
	URL  string
	Body json.RawMessage
	At   time.Time // on the server's clock (see WithClock)
}

// responseURL is one response_url the fake issued: when, and how many posts it took.
type responseURL struct {
	issued time.Time // on the real clock, like the rate limits
	uses   int
}

// newResponseURLLocked mints a response_url; kind is "commands" for slash
// commands and "actions" for interactions, mirroring hooks.slack.com.
func (s *Server) newResponseURLLocked(kind string) string {
	url := s.http.URL + s.ids.responsePath(kind)
	s.state.responseURLs[url] = &responseURL{issued: time.Now()}
	return url
}

// NewResponseURL issues a response_url, as a slash command's payload carries one, for payloads a
// test builds itself. Like those it takes five posts within thirty minutes.
func (s *Server) NewResponseURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newResponseURLLocked("commands")
}

// useResponseURLLocked spends one of a response_url's posts, or says why Slack refuses it: five posts
// within thirty minutes (of the fake's minute, see WithMinute), then used_url or expired_url.
func (s *Server) useResponseURLLocked(u *responseURL) string {
	switch {
	case time.Since(u.issued) >= responseURLMinutes*s.minute:
		return "expired_url"
	case u.uses >= responseURLUses:
		return "used_url"
	}
	u.uses++
	return ""
}

// serveResponseURL records posts to response_urls the fake issued and
// answers like Slack; unknown URLs get hooks.slack.com's 404.
func (s *Server) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil || r.Method != http.MethodPost {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	url := s.http.URL + r.URL.Path

	s.mu.Lock()
	if s.state.responseURLsBroken {
		s.mu.Unlock()
		dropConnection(w)
		return
	}
	issued, known := s.state.responseURLs[url] // issued is nil for a URL the fake never gave out
	valid := json.Valid(body)
	refusal := ""
	if known && valid {
		if refusal = s.useResponseURLLocked(issued); refusal == "" {
			s.state.posts = append(s.state.posts, ResponsePost{URL: url, Body: body, At: s.now()})
		} else {
			s.state.refusedPosts++
		}
		s.notifyLocked()
	}
	s.mu.Unlock()

	switch {
	case !known:
		http.Error(w, "no_service", http.StatusNotFound)
	case !valid:
		http.Error(w, "invalid_payload", http.StatusBadRequest)
	case refusal != "":
		http.Error(w, refusal, http.StatusNotFound)
	default:
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write([]byte(`{"ok":true}`))
	}
}

// BreakResponseURLs makes every response_url drop the connection without an answer, as a
// network failure would, so the bot's HTTP client reports a transport error (which quotes the
// URL, a credential) and falls back to other ways of telling the person.
func (s *Server) BreakResponseURLs() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.responseURLsBroken = true
}

func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// RefusedResponsePosts counts the posts to response_urls refused as used or expired.
func (s *Server) RefusedResponsePosts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.refusedPosts
}

// ResponsePosts returns every post to a response_url, in arrival order.
func (s *Server) ResponsePosts() []ResponsePost {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ResponsePost(nil), s.state.posts...)
}

// WaitResponsePost blocks until a response_url post satisfies match (nil
// matches any) and returns the first such post.
func (s *Server) WaitResponsePost(ctx context.Context, match func(ResponsePost) bool) (ResponsePost, error) {
	return waitFor(ctx, s, "a response_url post", func() (ResponsePost, bool) {
		return first(s.ResponsePosts(), match)
	})
}
