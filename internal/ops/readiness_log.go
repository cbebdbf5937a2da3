package ops

import (
	"log/slog"
	"strings"
	"sync"
)

// readinessLog logs readiness only when it changes: probes poll every few
// seconds, and a line per probe would drown the log.
type readinessLog struct {
	mu      sync.Mutex
	known   bool   // false until the first probe
	reasons string // "" while ready
}

func (l *readinessLog) record(logger *slog.Logger, reasons []string) {
	joined := strings.Join(reasons, "; ")
	l.mu.Lock()
	changed := !l.known || l.reasons != joined
	l.known, l.reasons = true, joined
	l.mu.Unlock()
	if !changed {
		return
	}
	if joined == "" {
		logger.Info("ops: ready")
	} else {
		logger.Warn("ops: not ready", "reasons", joined)
	}
}
