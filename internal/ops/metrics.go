package ops

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/testerbot/testerbot/internal/invite"
)

var (
	// Slack wants an ack within 3 s; buckets concentrate below that limit.
	ackBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2, 3}
	// Applivery calls range from fast lookups to slow, retried creates.
	appliveryBuckets = []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 20, 30}
)

// Metrics records what the bot does, for Prometheus. It satisfies bot.Metrics
// and its ObserveApplivery method fits applivery.WithObserver. It is safe for
// concurrent use.
type Metrics struct {
	registry          *prometheus.Registry
	handler           http.Handler
	ackSeconds        *prometheus.HistogramVec
	slackErrors       *prometheus.CounterVec
	reconnects        prometheus.Counter
	inFlight          prometheus.Gauge
	outboxDepth       prometheus.Gauge
	outboxOldest      prometheus.Gauge
	resumed           prometheus.Counter
	takeOvers         prometheus.Counter
	invites           *prometheus.CounterVec
	appliveryRequests *prometheus.CounterVec
	appliverySeconds  *prometheus.HistogramVec

	// What needs a person (issue 18), for alerts.
	dbWriteFailures     prometheus.Counter
	appliveryAuthFails  prometheus.Counter
	appliveryLastOK     prometheus.Gauge
	slackAuthFailures   prometheus.Counter
	slackConnectFailure prometheus.Counter
}

// NewMetrics builds the bot's metrics in a fresh private registry, together
// with the Go runtime and process collectors.
func NewMetrics() *Metrics {
	m := newSlackMetrics()
	m.addAppliveryMetrics()
	m.addAlertMetrics()
	m.registry = prometheus.NewRegistry()
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.ackSeconds, m.slackErrors, m.reconnects, m.inFlight, m.outboxDepth, m.outboxOldest,
		m.invites, m.appliveryRequests, m.appliverySeconds, m.resumed, m.takeOvers,
		m.dbWriteFailures, m.appliveryAuthFails, m.appliveryLastOK, m.slackAuthFailures, m.slackConnectFailure,
	)
	// Every outcome from the first scrape, so dashboards and rate() see each
	// series before the first one happens.
	for _, outcome := range invite.Outcomes {
		m.invites.WithLabelValues(string(outcome))
	}
	m.handler = promhttp.InstrumentMetricHandler(m.registry,
		promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry}))
	return m
}

func newSlackMetrics() *Metrics {
	return &Metrics{
		ackSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "testerbot_slack_ack_seconds",
			Help:    "Time from receiving a Socket Mode envelope to acknowledging it, by envelope type.",
			Buckets: ackBuckets,
		}, []string{"type"}),
		slackErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "testerbot_slack_api_errors_total",
			Help: "Slack Web API calls that failed, by method and Slack error code.",
		}, []string{"method", "code"}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "testerbot_slack_reconnects_total",
			Help: "Times the Socket Mode connection was re-established.",
		}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "testerbot_inflight_work",
			Help: "Work still running after its envelope was acknowledged (invites, lists, ...).",
		}),
		outboxDepth: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "testerbot_outbox_pending_messages",
			Help: "Slack messages saved in the outbox and not sent yet (all replicas).",
		}),
		outboxOldest: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "testerbot_outbox_oldest_pending_seconds",
			Help: "Age of the oldest message the outbox has not sent yet; 0 when none waits.",
		}),
	}
}

func (m *Metrics) addAppliveryMetrics() {
	m.invites = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "testerbot_invites_total",
		Help: "Tester invitations by outcome: invited, already_invited, refused, failed, removed, asked, approved, denied or ask_expired.",
	}, []string{"outcome"})
	m.resumed = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "testerbot_requests_resumed_total",
		Help: "Unfinished invite requests this process found at start-up (after a crash or a deploy) and finished.",
	})
	m.takeOvers = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "testerbot_requests_taken_over_total",
		Help: "Unfinished invite requests this process took over from a replica that stopped renewing them.",
	})
	m.appliveryRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "testerbot_applivery_requests_total",
		Help: "HTTP attempts against the Applivery API, by method, route and status (\"error\" when no response arrived).",
	}, []string{"method", "route", "status"})
	m.appliverySeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "testerbot_applivery_request_seconds",
		Help:    "Duration of HTTP attempts against the Applivery API, by method and route.",
		Buckets: appliveryBuckets,
	}, []string{"method", "route"})
}

// addAlertMetrics adds what the README's example alerts watch: each counts a failure that
// retrying does not cure, or says how long ago Applivery last answered.
func (m *Metrics) addAlertMetrics() {
	m.dbWriteFailures = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "testerbot_database_write_failures_total",
		Help: "Write probes of the database that failed (read-only, disk full, unreachable, or a SQLite file no longer at its path).",
	})
	m.appliveryAuthFails = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "testerbot_applivery_auth_failures_total",
		Help: "Applivery calls refused for the token (HTTP 401/403, codes 4002/4003/4004): APPLIVERY_API_TOKEN needs an admin.",
	})
	m.appliveryLastOK = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "testerbot_applivery_last_success_timestamp_seconds",
		Help: "Unix time of the last Applivery call that succeeded; 0 until one does.",
	})
	m.slackAuthFailures = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "testerbot_slack_auth_failures_total",
		Help: "Slack calls refused for the bot's or the app's token (invalid_auth, token_revoked, ...); testerbot_slack_api_errors_total has the codes.",
	})
	m.slackConnectFailure = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "testerbot_slack_connect_failures_total",
		Help: "Attempts to open the Socket Mode connection that failed (apps.connections.open or the websocket dial).",
	})
}

// Handler serves this registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler { return m.handler }
