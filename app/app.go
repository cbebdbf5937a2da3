// Package app assembles the bot from its parts and runs it: `testerbot` serves Slack until a
// signal, `testerbot check` verifies the configuration against Slack and Applivery, and
// `testerbot stores` lists what the Applivery token can see, for writing the mapping. main.go
// only hands it the process's arguments, environment and signals, so tests can run the whole
// program in-process against fakes.
package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/testerbot/testerbot/config"
)

// Main runs the program and returns its exit status. ctx ends on SIGINT/SIGTERM.
func Main(ctx context.Context, args []string, lookup func(string) (string, bool), stdout, stderr io.Writer) int {
	cmd := ""
	if len(args) > 0 {
		cmd = args[0]
	}
	switch cmd {
	case "", "run":
	case "check":
	case "stores":
		return stores(ctx, args[1:], lookup, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage+config.EnvUsage())
		return 0
	default:
		fmt.Fprintf(stderr, "testerbot: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	env, mapping, err := loadConfig(lookup)
	if err != nil {
		fmt.Fprintf(stderr, "testerbot: %v\n", err)
		return 1
	}
	if cmd == "check" {
		return check(ctx, env, mapping, stdout)
	}
	logger := newLogger(env, stderr)
	if err := run(ctx, env, logger); err != nil {
		logger.Error("testerbot stopped", "error", err.Error())
		return 1
	}
	return 0
}

const usage = `Usage:
  testerbot                 run the bot (Socket Mode) until SIGINT or SIGTERM
  testerbot check           check the configuration, Slack and every mapping's Applivery store and app
  testerbot stores          list the Applivery stores and published apps (needs only the APPLIVERY_ variables)
  testerbot stores --yaml   print them as channel mapping entries to fill in
  testerbot help            show this help

`

// loadConfig reads the environment and the mapping file, reporting every problem of both at once.
func loadConfig(lookup func(string) (string, bool)) (*config.Env, *config.Mapping, error) {
	env, err := config.LoadEnv(lookup)
	if err != nil {
		return nil, nil, fmt.Errorf("%w\n\nSee `testerbot help` and the README's configuration reference", err)
	}
	mapping, err := config.LoadMapping(env.ChannelsFile)
	if err != nil {
		return nil, nil, err
	}
	return env, mapping, nil
}

func newLogger(env *config.Env, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: env.SlogLevel()}
	var h slog.Handler = slog.NewJSONHandler(w, opts)
	if env.LogFormat == "text" {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(newRepeatLimiter(h))
}
