package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/mapping"
	"github.com/testerbot/testerbot/internal/ops"
)

// Check verifies, before the first tester is invited, everything that would stop the bot or
// an invite: both Slack tokens (SLACK_APP_TOKEN with apps.connections.open, opening no
// connection), the database, the bot's membership of every mapped channel, and that every
// mapped store and app exists in Applivery and its testers can be listed. It prints one row
// per mapped app, with every problem of the row, and returns 1 if anything is wrong.
func Check(ctx context.Context, env *config.Env, stdout, stderr io.Writer) int {
	file, err := loadMapping(env)
	if err != nil {
		fmt.Fprintf(stderr, "testerbot: %v\n", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	out := stdout
	failed := false
	api := newSlack(env, ops.NewMetrics())
	c := &mappingChecker{api: api, appliveryURL: env.AppliveryAPIURL, slackURL: env.SlackAPIURL}
	auth, err := api.AuthTestContext(ctx)
	if _, network := networkProblem(err, env.SlackAPIURL); network {
		c.slackUnusable = "Slack is unreachable"
	}
	if err != nil {
		fmt.Fprintf(out, "Slack: FAIL %s\n", slackProblem(err, "SLACK_BOT_TOKEN", env.SlackAPIURL))
		failed = true
	} else {
		fmt.Fprintf(out, "Slack: ok, team %s, bot user %s\n", auth.Team, auth.User)
	}
	// apps.connections.open hands out a connection URL; it is not dialled, so no Socket Mode
	// connection is opened and no envelope can go to this process.
	if _, _, err := api.StartSocketModeContext(ctx); err != nil {
		fmt.Fprintf(out, "Slack Socket Mode: FAIL %s\n", slackProblem(err, "SLACK_APP_TOKEN", env.SlackAPIURL))
		failed = true
	} else {
		fmt.Fprintln(out, "Slack Socket Mode: ok, SLACK_APP_TOKEN may open connections")
	}
	channels, ok := checkDatabase(ctx, env, file, out)
	if !ok {
		failed = true
	}
	client, err := newApplivery(&env.AppliveryEnv, ops.NewMetrics())
	if err != nil {
		fmt.Fprintf(out, "Applivery: FAIL %v\n", err)
		return 1
	}
	c.client = client
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHANNEL\tSTORE\tAPP\tSTATUS")
	for _, ch := range channels {
		member := c.channel(ctx, ch.ID)
		for _, app := range ch.Apps {
			problems := append(append([]string{}, member...), c.mapping(ctx, ch, app)...)
			status := "ok"
			if len(problems) > 0 {
				status = "FAIL " + strings.Join(problems, "; ")
				failed = true
			}
			fmt.Fprintf(tw, "%s\t%s\t%s (%s)\t%s\n", ch.ID, ch.Store, app.Name, app.ID, status)
		}
	}
	tw.Flush()
	if failed {
		fmt.Fprintln(out, "\nSome checks failed: fix them before inviting testers.")
		return 1
	}
	fmt.Fprintln(out, "\nEverything checks out.")
	return 0
}

// checkDatabase opens the database exactly as the bot does, so it also creates the SQLite file
// or applies pending migrations, and reports the outcome on one line. It returns every mapped
// channel: the file's, and those linked from Slack. The store's errors never hold
// DATABASE_URL's password.
func checkDatabase(ctx context.Context, env *config.Env, file *config.Mapping, out io.Writer) ([]config.Channel, bool) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cfg := database(env)
	db, err := openDatabase(ctx, env)
	if err != nil {
		fmt.Fprintf(out, "Database: FAIL %v\n", err)
		return file.Channels, false
	}
	defer db.Close()
	channels, err := mapping.New(ctx, env.ChannelsFile, db)
	if err != nil {
		fmt.Fprintf(out, "Database: FAIL reading the channel links: %v\n", err)
		return file.Channels, false
	}
	fmt.Fprintf(out, "Database: ok (%s), %s linked from Slack\n", cfg, plural(len(channels.All())-len(file.Channels), "channel", "channels"))
	return channels.All(), true
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// mappingChecker checks the rows of the mapping table. Once Slack or Applivery could not be
// reached, the rows say so instead of each waiting out timeouts and retries.
type mappingChecker struct {
	api               *slack.Client
	client            *applivery.Client
	appliveryURL      string
	slackURL          string
	appliveryUnusable string
	slackUnusable     string
}

// mapping lists every problem Applivery has with one mapped app: its store, the app, and the
// read-only tester list the bot needs to find a tester (mad.store.otpUsers.list).
func (c *mappingChecker) mapping(ctx context.Context, ch config.Channel, app config.App) []string {
	if c.appliveryUnusable != "" {
		return []string{"not checked: " + c.appliveryUnusable}
	}
	var problems []string
	storeErr := c.try("store", func() error { _, err := c.client.GetStore(ctx, ch.Store); return err }, &problems)
	if errors.Is(storeErr, applivery.ErrNotFound) {
		return problems // the app and its testers cannot be found in a store that is not there
	}
	c.try("app", func() error { _, err := c.client.GetPublishedApp(ctx, ch.Store, app.ID); return err }, &problems)
	c.try("tester list", func() error {
		_, err := c.client.ListOTPUsers(ctx, ch.Store, applivery.ListOTPUsersOptions{Page: 1, Limit: 1, PublishedApplicationID: app.ID})
		return err
	}, &problems)
	return problems
}

// try runs one Applivery call and adds what is wrong, if anything, to problems.
func (c *mappingChecker) try(what string, call func() error, problems *[]string) error {
	if c.appliveryUnusable != "" {
		return nil
	}
	err := call()
	if err == nil {
		return nil
	}
	if network, ok := networkProblem(err, c.appliveryURL); ok {
		c.appliveryUnusable = "Applivery is unreachable"
		*problems = append(*problems, network)
		return err
	}
	*problems = append(*problems, what+": "+appliveryProblem(err))
	return err
}

// appliveryProblem says what to fix for the failures an operator can fix, naming the token
// only when Applivery refused it.
func appliveryProblem(err error) string {
	if apiErr, ok := errors.AsType[*applivery.ErrorResponse](err); ok && apiErr.Permission != "" {
		return "APPLIVERY_API_TOKEN lacks the Applivery permission " + apiErr.Permission +
			": give its service account a role that has it (see `testerbot help`): " + err.Error()
	}
	switch p, _ := invite.Classify(err); p.Kind {
	case invite.Unauthorized:
		return "Applivery refused the token: check APPLIVERY_API_TOKEN and its permissions: " + err.Error()
	case invite.NotFound:
		return "Applivery does not know this store or app, check the ids in the mapping file: " + err.Error()
	}
	return err.Error()
}

// channel lists why the bot cannot post in the channel, if it cannot.
func (c *mappingChecker) channel(ctx context.Context, id string) []string {
	if c.slackUnusable != "" {
		return []string{"slack channel not checked: " + c.slackUnusable}
	}
	info, err := c.api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: id})
	if err != nil {
		return []string{"slack channel: " + slackProblem(err, "SLACK_BOT_TOKEN", c.slackURL)}
	}
	if !info.IsMember {
		return []string{"slack channel: the bot is not a member; /invite @testerbot in #" + info.Name}
	}
	return nil
}
