package ops

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Timeouts for the ops listener. Its clients are probes and scrapers on a
// trusted network, but slow or stuck connections must still not pile up.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 30 * time.Second // a scrape under load, or a slow ping
	idleTimeout       = 60 * time.Second
)

// Server serves /healthz, /readyz and /metrics for operators.
type Server struct {
	http      *http.Server
	bot       Readiness
	db        Pinger
	logger    *slog.Logger
	readiness readinessLog
	checks    []Check
}

// AddChecks makes readiness require checks too. Call it before serving.
func (s *Server) AddChecks(checks ...Check) { s.checks = append(s.checks, checks...) }

// NewServer prepares, without starting, the ops server on addr (":9090").
// db may be nil when there is no database; then only Slack decides
// readiness. m may be nil, in which case /metrics is 404. A nil logger
// discards.
func NewServer(addr string, m *Metrics, bot Readiness, db Pinger, logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{bot: bot, db: db, logger: logger}
	if m != nil {
		m.watchReadiness(s.ready)
	}
	s.http = &http.Server{
		Addr:              addr,
		Handler:           s.routes(m),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	return s
}

// ready runs every readiness check, for the testerbot_ready gauge.
func (s *Server) ready() bool {
	ctx, cancel := context.WithTimeout(context.Background(), pingTimeout)
	defer cancel()
	shown, _ := notReadyReasons(ctx, s.bot, s.db, s.checks)
	return len(shown) == 0
}

// Handler is the server's routing, exposed for tests.
func (s *Server) Handler() http.Handler { return s.http.Handler }

// ListenAndServe listens on the server's address and serves until Shutdown,
// after which it returns nil.
func (s *Server) ListenAndServe() error {
	return ignoreClosed(s.http.ListenAndServe())
}

// Serve serves on an existing listener until Shutdown, after which it
// returns nil. It lets callers pick the port (":0") and learn it before
// serving.
func (s *Server) Serve(l net.Listener) error {
	return ignoreClosed(s.http.Serve(l))
}

// Shutdown stops accepting connections and waits, up to ctx, for requests in
// progress to finish.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.http.Shutdown(ctx)
}

// ignoreClosed turns the normal result of Shutdown into success, so callers
// only see real failures such as an address already in use.
func ignoreClosed(err error) error {
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
