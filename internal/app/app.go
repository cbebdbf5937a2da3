// Package app assembles the bot from its parts and runs it: `testerbot` serves Slack until a
// signal, `testerbot check` verifies the configuration against Slack and Applivery, and
// `testerbot stores` lists what the Applivery token can see, for writing the mapping. main.go
// only hands it the process's arguments and signals; the environment is read here, through
// config.Load. End-to-end tests build a *config.Env themselves and call Serve or Check.
package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/config"
)

// Main runs the program and returns its exit status. ctx ends on SIGINT/SIGTERM.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := ""
	if len(args) > 0 {
		cmd = args[0]
	}
	switch cmd {
	case "", "run", "check":
	case "stores":
		return stores(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		return help(stdout, stderr)
	case "healthcheck":
		return healthcheck(ctx, args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, version())
		return 0
	default:
		fmt.Fprintf(stderr, "testerbot: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	env, err := config.Load()
	if err != nil {
		fmt.Fprintf(stderr, "testerbot: %v\n\n%s\n", err, seeHelp)
		return 1
	}
	if cmd == "check" {
		return Check(ctx, env, stdout, stderr)
	}
	return Serve(ctx, env, stderr)
}

const seeHelp = "See `testerbot help` and the README's configuration reference."

// Serve runs the bot with a configuration already read until ctx ends, logging to logs, and
// returns the exit status.
func Serve(ctx context.Context, env *config.Env, logs io.Writer, opts ...Option) int {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if _, err := loadMapping(env); err != nil {
		fmt.Fprintf(logs, "testerbot: %v\n", err)
		return 1
	}
	logger := newLogger(env, logs)
	if err := run(ctx, env, logger, o); err != nil {
		logger.Error("testerbot stopped", "error", err)
		return 1
	}
	return 0
}

// Option changes how Serve runs the bot, for tests.
type Option func(*options)

type options struct {
	now func() time.Time // nil: the real clock
}

// WithClock makes the bot read the time from now wherever invites, requests and access that
// ends are timed, so a test can move the time instead of waiting it out.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

const usage = `Usage:
  testerbot                 run the bot (Socket Mode) until SIGINT or SIGTERM
  testerbot check           check the configuration, Slack and every mapping's Applivery store and app
  testerbot stores          list the Applivery stores and published apps (needs only the APPLIVERY_ variables)
  testerbot stores --yaml   print them as channel mapping entries to fill in
  testerbot healthcheck     exit 0 if this container's bot is ready (GET /readyz), for Docker's healthcheck
  testerbot version         print the version (also --version)
  testerbot help            show this help

`

// appliveryPermissions is every Applivery permission the bot uses and what for: the one list,
// which help prints and the README repeats.
var appliveryPermissions = []struct{ name, use string }{
	{applivery.PermissionListStores, "testerbot stores, /invite-tester setup: list the stores"},
	{applivery.PermissionGetStore, "testerbot check: read each mapped store"},
	{applivery.PermissionListPublishedApps, "testerbot stores, /invite-tester setup: list the published apps"},
	{applivery.PermissionGetPublishedApp, "testerbot check, the bot: read a mapped app (its download link)"},
	{applivery.PermissionListOTPUsers, "the bot: find a tester (before creating again, list, remove); testerbot check tries it"},
	{applivery.PermissionCreateOTPUser, "the bot: invite a tester"},
	{applivery.PermissionRemoveOTPUser, "the bot: remove a tester, end access when it expires"},
}

func help(stdout, stderr io.Writer) int {
	var b strings.Builder
	b.WriteString(usage)
	if err := config.Usage(&b); err != nil {
		fmt.Fprintf(stderr, "testerbot: %v\n", err)
		return 1
	}
	b.WriteString("\nDurations are Go durations (30s, 5m, 12h) or whole days (7d, 1d12h). A blank value counts as unset.\n")
	b.WriteString("\nApplivery permissions the role of APPLIVERY_API_TOKEN's service account needs:\n\n")
	for _, p := range appliveryPermissions {
		fmt.Fprintf(&b, "  %-38s %s\n", p.name, p.use)
	}
	fmt.Fprint(stdout, b.String())
	return 0
}

// loadMapping reads the mapping file, naming every problem at once.
func loadMapping(env *config.Env) (*config.Mapping, error) {
	return config.LoadMapping(env.ChannelsFile)
}

func newLogger(env *config.Env, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: env.SlogLevel()}
	var h slog.Handler = slog.NewJSONHandler(w, opts)
	if env.LogFormat == "text" {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(newRepeatLimiter(h))
}
