package app

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/testerbot/testerbot/access"
	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/approval"
	"github.com/testerbot/testerbot/bot"
	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/expiry"
	"github.com/testerbot/testerbot/internal/outbox"
	"github.com/testerbot/testerbot/invite"
	"github.com/testerbot/testerbot/mapping"
	"github.com/testerbot/testerbot/ops"
)

// run serves Slack until ctx ends, then shuts down gracefully: new commands are answered with
// "restarting", in-flight invites get SHUTDOWN_TIMEOUT to finish and post their results, the
// socket is closed, and the database is closed last.
func run(ctx context.Context, env *config.Env, logger *slog.Logger, opts options) error {
	dbConfig := database(env)
	db, err := openDatabase(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	channels, err := mapping.New(ctx, env.ChannelsFile, db)
	if err != nil {
		return err
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP) // reload the mapping file
	defer signal.Stop(hup)
	watchCtx, stopWatching := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWatching()
	go channels.Watch(watchCtx, hup, mappingCheckInterval, logger)

	metrics := ops.NewMetrics()
	gate := applivery.NewGate(int(env.AppliveryMaxInFlight)) // one for the whole process
	metrics.WatchGate(gate)
	apiClient, err := newApplivery(&env.AppliveryEnv, metrics, applivery.WithGate(gate))
	if err != nil {
		return err
	}
	slackAPI := newSlack(env, metrics)
	socket := socketmode.New(slackAPI, socketmode.OptionLog(log.New(slogWriter{logger}, "", 0)))
	invites := invite.NewService(apiClient, db, invite.Options{
		Concurrency: int(env.InviteConcurrency), MaxEmails: int(env.MaxEmailsPerRequest), CreateTimeout: env.AppliveryTimeout.D(),
		LeaseTTL: env.LeaseTTL.D(), Logger: logger, Observe: metrics, Now: opts.now,
	})
	asks := approval.NewService(db, approval.Options{TTL: env.RequestTTL.D(), MaxPending: int(env.MaxOpenRequests), Logger: logger, Now: opts.now})
	ends := expiry.NewService(apiClient, db, expiry.Options{Logger: logger, Now: opts.now})
	policy := access.NewPolicy(channels.Leads, slackDirectory{slackAPI}, env.QALeadsCacheTTL.D())
	go func() { // at start, without holding it up; asked again when someone needs it
		if home, err := policy.Home(ctx); err != nil {
			logger.Warn("could not learn the bot's own workspace (auth.test)", "error", err.Error())
		} else {
			logger.Debug("the bot's own workspace", "team_id", home.TeamID, "enterprise_id", home.EnterpriseID)
		}
	}()
	b := bot.New(bot.Deps{
		Socket: socket, Slack: slackAPI, Mappings: channels, MappingFile: env.ChannelsFile,
		Invites: invites, Asks: asks, Expiry: ends, Ends: db, Catalog: apiClient,
		Access:  policy,
		History: db, Envelopes: db, Logger: logger, Metrics: metrics, MaxCommandBytes: int(env.MaxCommandBytes),
		Outbox: db, OutboxSlack: newOutboxSlack(env), OutboxObserver: metrics,
		Pace: outbox.Scaled(env.SlackMinute.D()),
	})

	listener, err := net.Listen("tcp", env.HTTPAddr)
	if err != nil {
		return fmt.Errorf("health server: %w", err)
	}
	health := ops.NewServer(env.HTTPAddr, metrics, b, db, logger)
	healthErr := make(chan error, 1)
	go func() { healthErr <- health.Serve(listener) }()
	defer func() {
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = health.Shutdown(shutdownCtx)
	}()

	socketCtx, stopSocket := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSocket()
	botErr := make(chan error, 1)
	go func() { botErr <- b.Run(socketCtx) }()
	logger.Info("testerbot started", "channels", len(channels.All()), "http_addr", listener.Addr().String(),
		"database", dbConfig.String(), "version", version())

	select {
	case err := <-botErr:
		return fmt.Errorf("slack connection: %w", err)
	case err := <-healthErr:
		if err != nil {
			return fmt.Errorf("health server on %s: %w", env.HTTPAddr, err)
		}
	case <-ctx.Done():
	}
	b.Drain()
	logger.Info("shutting down: finishing in-flight work", "timeout", env.ShutdownTimeout.String())
	waitCtx, cancel := context.WithTimeout(context.Background(), env.ShutdownTimeout.D())
	defer cancel()
	if !b.Wait(waitCtx) {
		logger.Warn("shutdown timeout reached: unfinished work was cancelled")
	}
	stopSocket()
	if err := <-botErr; err != nil && !errors.Is(err, context.Canceled) {
		logger.Warn("slack connection closed with an error", "error", err.Error())
	}
	logger.Info("testerbot stopped")
	return nil
}

func newApplivery(env *config.AppliveryEnv, metrics *ops.Metrics, extra ...applivery.Option) (*applivery.Client, error) {
	return applivery.NewClient(env.AppliveryOrganization, append([]applivery.Option{
		applivery.WithBaseURL(env.AppliveryAPIURL),
		applivery.WithToken(env.AppliveryAPIToken),
		applivery.WithTimeout(env.AppliveryTimeout.D()),
		applivery.WithUserAgent("testerbot"),
		applivery.WithObserver(metrics.ObserveApplivery),
	}, extra...)...)
}

// mappingCheckInterval is how often the mapping file is checked for changes and the channel
// links are read again: a change made on another replica is in force within it.
const mappingCheckInterval = 2 * time.Second

// slackAttempts is how many times a Web API call is made when Slack answers 429.
const slackAttempts = 5

func newSlack(env *config.Env, metrics *ops.Metrics) *slack.Client {
	return slack.New(env.SlackBotToken,
		slack.OptionAppLevelToken(env.SlackAppToken),
		slack.OptionAPIURL(env.SlackAPIURL),
		slack.OptionHTTPClient(&http.Client{Timeout: 15 * time.Second}),
		// After OptionHTTPClient, which it wraps.
		bot.RateLimitRetries(slackAttempts-1, func(method string) { metrics.SlackError(method, "ratelimited") }),
	)
}

// newOutboxSlack is the client the outbox sends with: the same as newSlack's but without retries,
// so a 429 comes back at once and the outbox pauses only that channel or method, where slack-go
// would sleep out the Retry-After inside the call.
func newOutboxSlack(env *config.Env) *slack.Client {
	return slack.New(env.SlackBotToken,
		slack.OptionAPIURL(env.SlackAPIURL),
		slack.OptionHTTPClient(&http.Client{Timeout: 15 * time.Second}),
	)
}

// slackDirectory answers the access policy's questions from Slack's Web API.
type slackDirectory struct{ api *slack.Client }

func (d slackDirectory) GroupMembers(ctx context.Context, id string) ([]string, error) {
	return d.api.GetUserGroupMembersContext(ctx, id)
}

func (d slackDirectory) ChannelMembers(ctx context.Context, id string) ([]string, error) {
	var all []string
	params := &slack.GetUsersInConversationParameters{ChannelID: id, Limit: 1000}
	for {
		members, cursor, err := d.api.GetUsersInConversationContext(ctx, params)
		if err != nil {
			return nil, err
		}
		all = append(all, members...)
		if cursor == "" {
			return all, nil
		}
		params.Cursor = cursor
	}
}

func (d slackDirectory) Person(ctx context.Context, id string) (access.Person, error) {
	user, err := d.api.GetUserInfoContext(ctx, id)
	if err != nil {
		return access.Person{}, err
	}
	return access.Person{
		Guest:    user.IsRestricted || user.IsUltraRestricted,
		Stranger: user.IsStranger,
		Org:      access.Org{TeamID: user.TeamID, EnterpriseID: user.Enterprise.EnterpriseID},
	}, nil
}

func (d slackDirectory) Home(ctx context.Context) (access.Org, error) {
	auth, err := d.api.AuthTestContext(ctx)
	if err != nil {
		return access.Org{}, err
	}
	return access.Org{TeamID: auth.TeamID, EnterpriseID: auth.EnterpriseID}, nil
}

// slogWriter sends slack-go's own log lines (debug only) through the bot's logger.
type slogWriter struct{ l *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.l.Debug(string(p), "source", "slack-go")
	return len(p), nil
}
