package ops

import (
	"io"
	"net/http"
	"strings"
)

// routes maps the ops endpoints. Method-qualified patterns make ServeMux
// answer 405 (with Allow) for anything but GET/HEAD, and 404 elsewhere.
func (s *Server) routes(m *Metrics) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	if m != nil {
		mux.Handle("GET /metrics", m.Handler())
	}
	return mux
}

// healthz answers liveness: the process is up and serving HTTP. It checks
// no dependency, so a Slack outage does not get the pod restarted.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeText(w, http.StatusOK, "ok\n")
}

// readyz answers readiness: 200 only while Slack is connected, the
// database (if any) answers and every added Check passes; otherwise 503
// listing each failing check.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	shown, logged := notReadyReasons(r.Context(), s.bot, s.db, s.checks)
	s.readiness.record(s.logger, logged)
	if len(shown) > 0 {
		writeText(w, http.StatusServiceUnavailable, strings.Join(shown, "\n")+"\n")
		return
	}
	writeText(w, http.StatusOK, "ready\n")
}

func writeText(w http.ResponseWriter, status int, body string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}
