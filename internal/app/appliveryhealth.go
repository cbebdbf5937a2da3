package app

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/internal/ops"
)

// appliveryHealth learns from the outcome of every Applivery call (applivery.WithCallObserver)
// the failures only a person can fix: a refused token, a host that does not resolve or whose
// certificate is not trusted. Each is logged once, as an ERROR that names the setting to fix,
// and keeps the bot not ready until a call succeeds again. Outages (5xx, timeouts) are not its
// business: they pass by themselves, and each invite says what happened.
type appliveryHealth struct {
	logger  *slog.Logger
	metrics *ops.Metrics
	now     func() time.Time

	mu      sync.Mutex
	shown   string // for /readyz, "" while fine
	detail  string // for the log
	since   time.Time
	refused map[string]bool // permissions already reported missing
}

func newAppliveryHealth(logger *slog.Logger, metrics *ops.Metrics) *appliveryHealth {
	return &appliveryHealth{logger: logger, metrics: metrics, now: time.Now, refused: map[string]bool{}}
}

// observe is told each call's outcome.
func (h *appliveryHealth) observe(err error) {
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case err == nil:
		h.metrics.AppliverySucceeded(now)
		if h.shown != "" {
			h.logger.Info("Applivery: calls succeed again", "after", now.Sub(h.since).Round(time.Second).String())
			h.shown, h.detail = "", ""
		}
	case errors.Is(err, applivery.ErrForbidden):
		// The token works but lacks one permission: the calls that need others still work, so
		// readiness stays; the log says once which permission to grant.
		h.metrics.AppliveryAuthFailure()
		apiErr, _ := errors.AsType[*applivery.ErrorResponse](err)
		permission := ""
		if apiErr != nil {
			permission = apiErr.Permission
		}
		if !h.refused[permission] {
			h.refused[permission] = true
			h.logger.Error("Applivery refused a call for lack of a permission: grant it to the service account of APPLIVERY_API_TOKEN",
				"permission", permission, "error", err)
		}
	case errors.Is(err, applivery.ErrUnauthorized):
		h.metrics.AppliveryAuthFailure()
		h.set(now, "applivery: token refused (check APPLIVERY_API_TOKEN)", err.Error(),
			"Applivery refused the token: APPLIVERY_API_TOKEN is wrong, revoked or expired. Create a new service-account token, set it and restart; no invite can succeed until then")
	case errors.Is(err, applivery.ErrHostUnusable):
		hostErr, _ := errors.AsType[*applivery.HostError](err)
		host, cause := "", err.Error()
		if hostErr != nil {
			host, cause = hostErr.Host, hostErr.Cause
		}
		h.set(now, "applivery: host unusable (the log says why)", err.Error(),
			"Applivery's host cannot be used: fix APPLIVERY_API_URL, the DNS or the trusted certificates; retrying cannot help", "host", host, "cause", cause)
	}
}

// set records a problem, logging it only when it is a new one.
func (h *appliveryHealth) set(now time.Time, shown, detail, message string, attrs ...any) {
	if h.shown == shown {
		return
	}
	if h.shown == "" {
		h.since = now
	}
	h.shown, h.detail = shown, detail
	h.logger.Error(message, append(attrs, "error", detail)...)
}

// readiness is the ops.Check of the last finding.
func (h *appliveryHealth) readiness(context.Context) (shown, logged string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.shown, h.detail
}
