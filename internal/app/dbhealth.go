package app

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/testerbot/testerbot/internal/ops"
	"github.com/testerbot/testerbot/internal/store"
)

// dbHealth watches what a read cannot show: whether the database takes writes, and whether the
// SQLite file at AUDIT_DB is still the one open. A read answers on a read-only file, a full
// disk and an unlinked file alike, and each loses what the bot promises people. It checks at
// start and every dbCheckInterval, answers readiness from its last finding, and logs a problem
// once when it begins (ERROR, naming the cause and the fix), once a minute while it lasts (with
// a count), and once when it ends, with how long it lasted.
type dbHealth struct {
	db      *store.Store
	where   string // the setting that names the database: "AUDIT_DB=/data/invites.db" or "DATABASE_URL"
	logger  *slog.Logger
	metrics *ops.Metrics
	now     func() time.Time

	mu       sync.Mutex
	problem  dbProblem
	since    time.Time // when the problem began
	reported time.Time // when it was last logged
	failures int       // checks that failed since it was last logged
}

// dbProblem is one finding: zero while the database is fine.
type dbProblem struct {
	shown  string // for /readyz: no path, no host
	detail string // the error, for the log
	fix    string // what an admin must do
	sticky bool   // only a restart cures it
}

// dbCheckInterval is how often the write probe and the file check run: often enough that
// readiness turns within seconds, rarely enough that the probe's fsync costs nothing.
const dbCheckInterval = 2 * time.Second

// dbRepeatEvery is how often a lasting problem is logged again.
const dbRepeatEvery = time.Minute

func newDBHealth(db *store.Store, where string, logger *slog.Logger, metrics *ops.Metrics) *dbHealth {
	return &dbHealth{db: db, where: where, logger: logger, metrics: metrics, now: time.Now}
}

// watch checks every dbCheckInterval until ctx ends.
func (h *dbHealth) watch(ctx context.Context) {
	tick := time.NewTicker(dbCheckInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			h.check(ctx)
		}
	}
}

// check runs the file check and the write probe once and records what they found.
func (h *dbHealth) check(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	p := h.probe(ctx)
	if ctx.Err() != nil && errors.Is(context.Cause(ctx), context.Canceled) {
		return // shutting down: nothing was learned
	}
	h.record(p)
}

func (h *dbHealth) probe(ctx context.Context) dbProblem {
	if err := h.db.CheckFile(); err != nil {
		h.metrics.DatabaseWriteFailure()
		return dbProblem{
			shown:  "database: the SQLite file is no longer the one open (the log says why)",
			detail: err.Error(),
			fix: "the file at " + h.where + " is not the database this process writes to, so what it writes now will be lost: " +
				"restore the volume or the file, then restart the bot (it finishes unfinished work at start)",
			sticky: errors.Is(err, store.ErrFileReplaced),
		}
	}
	err := h.db.ProbeWrite(ctx)
	if err == nil {
		return dbProblem{}
	}
	h.metrics.DatabaseWriteFailure()
	switch store.FaultOf(err) {
	case store.ReadOnly:
		return dbProblem{shown: "database: not writable (read-only)", detail: err.Error(),
			fix: "the database refuses writes: make " + h.where + " writable by the bot's user (the file, its -wal and -shm files, and its directory) or mount its volume read-write"}
	case store.DiskFull:
		return dbProblem{shown: "database: not writable (disk full)", detail: err.Error(),
			fix: "free space on the volume of " + h.where + " or grow it"}
	}
	return dbProblem{shown: "database: writes fail (the log says why)", detail: err.Error(),
		fix: "check that the database at " + h.where + " is up and reachable"}
}

// record logs a change, or a lasting problem once a minute, and keeps the finding for readiness.
// A sticky problem stays until the process ends.
func (h *dbHealth) record(p dbProblem) {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	if h.problem.sticky {
		p = h.problem
	}
	switch {
	case p.shown == "" && h.problem.shown == "":
	case p.shown == "":
		h.logger.Info("database: writes work again", "after", now.Sub(h.since).Round(time.Second).String())
		h.problem = p
	case h.problem.shown != p.shown:
		h.logger.Error("database: "+p.fix, "error", p.detail, "database", h.where)
		h.problem, h.since, h.reported, h.failures = p, now, now, 0
	default:
		h.failures++
		if now.Sub(h.reported) >= dbRepeatEvery {
			h.logger.Error("database: still failing: "+p.fix, "error", p.detail, "database", h.where,
				"failed_checks", h.failures, "for", now.Sub(h.since).Round(time.Second).String())
			h.reported, h.failures = now, 0
		}
	}
}

// readiness is the ops.Check of the last finding.
func (h *dbHealth) readiness(context.Context) (shown, logged string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.problem.shown, h.problem.detail
}
