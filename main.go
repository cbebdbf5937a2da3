// Command testerbot is a Slack bot that invites testers into a private Applivery app store.
// See README.md; everything is assembled in package app.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/testerbot/testerbot/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
