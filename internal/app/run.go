package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/bot"
	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/access"
	"github.com/testerbot/testerbot/internal/approval"
	"github.com/testerbot/testerbot/internal/expiry"
	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/mapping"
	"github.com/testerbot/testerbot/internal/ops"
	"github.com/testerbot/testerbot/internal/outbox"
	"github.com/testerbot/testerbot/internal/store"
)

// run serves Slack until ctx ends, then shuts down gracefully: new commands are answered with
// "restarting", in-flight invites get SHUTDOWN_TIMEOUT to finish and post their results, the
// socket is closed, and the database is closed last.
func run(ctx context.Context, env *config.Env, logger *slog.Logger, opts options) error {
	dbConfig := database(env)
	if dbConfig.SQLitePath != "" {
		lock, err := lockSQLite(dbConfig.SQLitePath)
		if err != nil {
			return err
		}
		defer lock.Unlock() // after db.Close: deferred first
	}
	db, err := openDatabase(ctx, env)
	if err != nil {
		return withFix(err, databaseSetting(dbConfig))
	}
	defer db.Close()
	if db.Created() {
		logger.Warn("created a new database at "+dbConfig.SQLitePath+
			": expected on the first start only; if the bot ran before, its volume was lost and nothing it knew (unfinished invites, access that ends, links) is here",
			"path", dbConfig.SQLitePath)
	}
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
	dbHealth := newDBHealth(db, databaseSetting(dbConfig), logger, metrics)
	dbHealth.check(ctx) // at start: an ERROR now says what the first invite would have hit
	healthDone := make(chan struct{})
	go func() { defer close(healthDone); dbHealth.watch(watchCtx) }()
	defer func() { stopWatching(); <-healthDone }() // before db.Close, or it would probe a closed database
	appliveryHealth := newAppliveryHealth(logger, metrics)
	gate := applivery.NewGate(int(env.AppliveryMaxInFlight)) // one for the whole process
	metrics.WatchGate(gate)
	apiClient, err := newApplivery(&env.AppliveryEnv, metrics, applivery.WithGate(gate), applivery.WithCallObserver(appliveryHealth.observe))
	if err != nil {
		return err
	}
	slackAPI := newSlack(env, metrics)
	sockets := make([]bot.Socket, env.SlackConnections)
	for i := range sockets {
		sockets[i] = bot.NewSocket(slackAPI)
	}
	invites := invite.NewService(apiClient, db, invite.Options{
		Concurrency: int(env.InviteConcurrency), MaxEmails: int(env.MaxEmailsPerRequest), CreateTimeout: env.AppliveryTimeout.D(),
		LeaseTTL: env.LeaseTTL.D(), Logger: logger, Observe: metrics, Now: opts.now,
	})
	asks := approval.NewService(db, approval.Options{TTL: env.RequestTTL.D(), MaxPending: int(env.MaxOpenRequests), Logger: logger, Now: opts.now})
	ends := expiry.NewService(apiClient, db, expiry.Options{Logger: logger, Now: opts.now})
	policy := access.NewPolicy(channels.Leads, slackDirectory{slackAPI, metrics}, env.QALeadsCacheTTL.D())
	go func() { // at start, without holding it up; asked again when someone needs it
		if home, err := policy.Home(ctx); err != nil {
			logger.Warn("could not learn the bot's own workspace (auth.test)", "error", err)
		} else {
			logger.Debug("the bot's own workspace", "team_id", home.TeamID, "enterprise_id", home.EnterpriseID)
		}
	}()
	b := bot.New(bot.Deps{
		Sockets: sockets, Slack: slackAPI, Mappings: channels, MappingFile: env.ChannelsFile,
		Invites: invites, Asks: asks, Expiry: ends, Catalog: apiClient, Access: policy,
		Store: db, Logger: logger, Metrics: metrics, MaxCommandBytes: int(env.MaxCommandBytes),
		OutboxSlack: newOutboxSlack(env),
		Pace:        outbox.Scaled(env.SlackMinute.D()),
	})

	listener, err := net.Listen("tcp", env.HTTPAddr)
	if err != nil {
		return fmt.Errorf("health server: %w", err)
	}
	health := ops.NewServer(env.HTTPAddr, metrics, b, db, logger)
	health.AddChecks(dbHealth.readiness, appliveryHealth.readiness)
	healthErr := make(chan error, 1)
	go func() { healthErr <- health.Serve(listener) }()
	defer func() {
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = health.Shutdown(shutdownCtx)
	}()

	// Run's context ends only once it has returned, or when run returns early: the bot stops by
	// Shutdown, which lets the work in flight finish first.
	botCtx, stopBot := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBot()
	botErr := make(chan error, 1)
	go func() { botErr <- b.Run(botCtx) }()
	logger.Info("testerbot started", "channels", len(channels.All()), "http_addr", listener.Addr().String(),
		"database", dbConfig.String(), "version", version())

	// Whatever ends the process, the work in flight finishes first (results go out over the Web
	// API, which needs no socket), and what cannot finish in time is left for the next process.
	var stopped error
	failed := false
	select {
	case <-b.Failed():
		failed = true
	case err := <-healthErr:
		if err != nil {
			stopped = fmt.Errorf("health server on %s: %w", env.HTTPAddr, err)
		}
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), env.ShutdownTimeout.D())
	defer cancel()
	if err := b.Shutdown(shutdownCtx); err != nil {
		logger.Warn("shutdown timeout reached: unfinished work was cancelled")
	}
	// Run has returned: nothing of the bot's touches the database that the defers close.
	switch err := <-botErr; {
	case failed:
		stopped = fmt.Errorf("slack connection: %w", err)
	case err != nil && !errors.Is(err, context.Canceled):
		logger.Warn("slack connection closed with an error", "error", err)
	}
	if stopped == nil {
		logger.Info("testerbot stopped")
	}
	return stopped
}

// lockSQLite takes the lock that keeps a second process off the SQLite file.
func lockSQLite(path string) (*store.FileLock, error) {
	lock, err := store.LockSQLite(path)
	if errors.Is(err, store.ErrLocked) {
		return nil, fmt.Errorf("another testerbot process is using the SQLite database %s (it holds %s): "+
			"a SQLite file serves one process at a time. Stop the other one, or run several replicas on PostgreSQL by setting DATABASE_URL",
			path, store.LockPath(path))
	}
	if hint := sqliteHint(path); err != nil && hint != "" {
		return nil, fmt.Errorf("%s (%w)", hint, err) // the folder is missing or not the bot's to write
	}
	if err != nil {
		return nil, withFix(fmt.Errorf("cannot use the SQLite database %s: %w", path, err), "AUDIT_DB="+path)
	}
	return lock, nil
}

// withFix adds to a database error what to do about it, when its cause is one a person fixes.
func withFix(err error, setting string) error {
	switch store.FaultOf(err) {
	case store.ReadOnly:
		return fmt.Errorf("%w (the database is read-only: make %s writable by the bot's user, its directory too, or mount its volume read-write)", err, setting)
	case store.DiskFull:
		return fmt.Errorf("%w (the disk is full: free space on the volume of %s)", err, setting)
	}
	return err
}

// databaseSetting names the setting that chose the database, for messages: never the URL.
func databaseSetting(cfg store.Config) string {
	if cfg.PostgresURL != "" {
		return "DATABASE_URL"
	}
	return "AUDIT_DB=" + cfg.SQLitePath
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

// slackDirectory answers the access policy's questions from Slack's Web API. Its failures are
// counted like the bot's own calls, so a refused token shows in the metrics whichever call met it.
type slackDirectory struct {
	api     *slack.Client
	metrics *ops.Metrics
}

// counted passes err on, counting it under method first.
func (d slackDirectory) counted(method string, err error) error {
	if err != nil && d.metrics != nil {
		d.metrics.SlackError(method, slackCode(err))
	}
	return err
}

func (d slackDirectory) GroupMembers(ctx context.Context, id string) ([]string, error) {
	members, err := d.api.GetUserGroupMembersContext(ctx, id)
	return members, d.counted("usergroups.users.list", err)
}

func (d slackDirectory) ChannelMembers(ctx context.Context, id string) ([]string, error) {
	var all []string
	params := &slack.GetUsersInConversationParameters{ChannelID: id, Limit: 1000}
	for {
		members, cursor, err := d.api.GetUsersInConversationContext(ctx, params)
		if err != nil {
			return nil, d.counted("conversations.members", err)
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
		return access.Person{}, d.counted("users.info", err)
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
		return access.Org{}, d.counted("auth.test", err)
	}
	return access.Org{TeamID: auth.TeamID, EnterpriseID: auth.EnterpriseID}, nil
}

// slackCode is Slack's error code for err, for metrics, or its text when Slack gave none.
func slackCode(err error) string {
	if se, ok := errors.AsType[slack.SlackErrorResponse](err); ok {
		return se.Err
	}
	return err.Error()
}
