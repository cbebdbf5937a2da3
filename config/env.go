package config

import (
	"log/slog"
	"time"
)

// Env is the process configuration read from environment variables.
//
// The struct tags follow github.com/kelseyhightower/envconfig conventions
// (envconfig, default, required, desc) and are the single source of truth for
// variable names, defaults and descriptions: LoadEnv, EnvVars and EnvUsage
// all read them. The extra `secret` tag marks values that must never be
// printed, logged or echoed in errors.
type Env struct {
	SlackAppToken         string        `envconfig:"SLACK_APP_TOKEN" required:"true" secret:"true" desc:"Slack app-level token (xapp-...) with connections:write, used to open the Socket Mode connection"`
	SlackBotToken         string        `envconfig:"SLACK_BOT_TOKEN" required:"true" secret:"true" desc:"Slack bot token (xoxb-...) used for Web API calls such as posting replies"`
	AppliveryAPIToken     string        `envconfig:"APPLIVERY_API_TOKEN" required:"true" secret:"true" desc:"Applivery service account API token allowed to create OTP users"`
	AppliveryOrganization string        `envconfig:"APPLIVERY_ORGANIZATION" required:"true" desc:"Applivery workspace (organization) slug, as it appears in dashboard URLs"`
	ChannelsFile          string        `envconfig:"CHANNELS_FILE" default:"channels.yaml" desc:"path of the YAML file mapping Slack channels to Applivery stores and apps"`
	SlackAPIURL           string        `envconfig:"SLACK_API_URL" default:"https://slack.com/api/" desc:"Slack Web API base URL (always ends with /); override only for tests"`
	AppliveryAPIURL       string        `envconfig:"APPLIVERY_API_URL" default:"https://api.applivery.io" desc:"Applivery API base URL (trailing / removed); override only for tests"`
	LogLevel              string        `envconfig:"LOG_LEVEL" default:"info" desc:"minimum log level: debug, info, warn or error"`
	LogFormat             string        `envconfig:"LOG_FORMAT" default:"json" desc:"log output format: json or text"`
	QALeadsCacheTTL       time.Duration `envconfig:"QA_LEADS_CACHE_TTL" default:"5m" desc:"how long QA lead user group memberships are cached"`
	MaxEmailsPerRequest   int           `envconfig:"MAX_EMAILS_PER_REQUEST" default:"100" desc:"most email addresses accepted in one /invite-tester command (1-1000)"`
	InviteConcurrency     int           `envconfig:"INVITE_CONCURRENCY" default:"4" desc:"Applivery invitations sent in parallel per command (1-32)"`
	AppliveryMaxInFlight  int           `envconfig:"APPLIVERY_MAX_IN_FLIGHT" default:"8" desc:"most Applivery requests in flight at once across all the work of this process (1-64)"`
	RequestTTL            time.Duration `envconfig:"REQUEST_TTL" default:"168h" desc:"how long a request for testers waits for a QA lead's decision before it expires (1h-90 days)"`
	LeaseTTL              time.Duration `envconfig:"LEASE_TTL" default:"30s" desc:"how long an unfinished invite waits for a process that stopped renewing it before another takes it over (5s-10m)"`
	MaxCommandBytes       int           `envconfig:"MAX_COMMAND_BYTES" default:"8000" desc:"longest /invite-tester command text accepted, in bytes"`
	AuditDB               string        `envconfig:"AUDIT_DB" default:"invites.db" desc:"path of the SQLite database recording every invitation, used when DATABASE_URL is unset"`
	DatabaseURL           string        `envconfig:"DATABASE_URL" secret:"true" desc:"PostgreSQL URL (postgres://user:password@host:5432/testerbot) for a database shared by several replicas; unset means the SQLite file AUDIT_DB"`
	AppliveryTimeout      time.Duration `envconfig:"APPLIVERY_TIMEOUT" default:"10s" desc:"timeout for one Applivery API request"`
	ShutdownTimeout       time.Duration `envconfig:"SHUTDOWN_TIMEOUT" default:"25s" desc:"grace period for in-flight commands after SIGTERM"`
	HTTPAddr              string        `envconfig:"HTTP_ADDR" default:":8080" desc:"listen address of the health and metrics HTTP server"`
}

// SlogLevel converts LogLevel for slog.HandlerOptions. LoadEnv has already
// rejected unknown levels, so the Info fallback only matters for an Env built
// by hand.
func (e *Env) SlogLevel() slog.Level {
	var level slog.Level
	if err := level.UnmarshalText([]byte(e.LogLevel)); err != nil {
		return slog.LevelInfo
	}
	return level
}
