package ops

import (
	"context"
	"fmt"
	"time"
)

// Readiness reports whether the bot can serve users; the bot answers true
// while its Slack socket is connected.
type Readiness interface{ Ready() bool }

// Pinger checks a dependency is reachable; the database (*store.Store) implements it.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Check is one more thing readiness requires, beyond Slack and the database answering: that
// the database takes writes, that Applivery accepts the token. It returns "" while all is
// well; otherwise shown, for /readyz ("database: not writable (disk full)"), which anyone who
// reaches the port reads, and logged, the detail for the log.
type Check func(ctx context.Context) (shown, logged string)

// pingTimeout bounds the database check so a stuck database makes /readyz
// fail rather than hang past the orchestrator's probe timeout.
const pingTimeout = 2 * time.Second

// notReadyReasons runs every check, even after one fails, so the operator
// sees all problems at once. An empty result means ready. shown is what
// /readyz answers, which anyone who reaches the port reads: no error text,
// which may name a file path or a host. logged has the errors, for the log.
func notReadyReasons(ctx context.Context, bot Readiness, db Pinger, checks []Check) (shown, logged []string) {
	if bot == nil || !bot.Ready() {
		shown = append(shown, "slack: not connected")
		logged = append(logged, "slack: not connected")
	}
	if db != nil {
		if err := pingWithTimeout(ctx, db); err != nil {
			shown = append(shown, "database: not answering (the log says why)")
			logged = append(logged, fmt.Sprintf("database: %v", err))
		}
	}
	for _, check := range checks {
		if public, detail := check(ctx); public != "" {
			shown = append(shown, public)
			logged = append(logged, detail)
		}
	}
	return shown, logged
}

func pingWithTimeout(ctx context.Context, db Pinger) error {
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	return db.Ping(ctx)
}
