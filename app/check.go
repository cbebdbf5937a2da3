package app

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/invite"
	"github.com/testerbot/testerbot/mapping"
	"github.com/testerbot/testerbot/ops"
	"github.com/testerbot/testerbot/store"
)

// check verifies, before the first tester is invited, that the Slack tokens work, the database
// opens, the bot is a member of every mapped channel, and every mapped store and app exists in
// Applivery. It prints one row per mapping and returns 1 if anything is wrong.
func check(ctx context.Context, env *config.Env, file *config.Mapping, out io.Writer) int {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	failed := false
	api := newSlack(env, ops.NewMetrics())
	auth, err := api.AuthTestContext(ctx)
	if err != nil {
		fmt.Fprintf(out, "Slack: FAIL %s (check SLACK_BOT_TOKEN)\n", slackProblem(err))
		failed = true
	} else {
		fmt.Fprintf(out, "Slack: ok, team %s, bot user %s\n", auth.Team, auth.User)
	}
	channels, ok := checkDatabase(ctx, env, file, out)
	if !ok {
		failed = true
	}
	client, err := newApplivery(env, ops.NewMetrics())
	if err != nil {
		fmt.Fprintf(out, "Applivery: FAIL %v\n", err)
		return 1
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHANNEL\tSTORE\tAPP\tSTATUS")
	for _, ch := range channels {
		member := channelStatus(ctx, api, ch.ID)
		for _, app := range ch.Apps {
			status := mappingStatus(ctx, client, ch, app)
			if member != "" && status == "ok" {
				status = member
			}
			if status != "ok" {
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
	db, err := store.Open(ctx, cfg)
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

// mappingStatus says whether Applivery knows the store and the published app.
func mappingStatus(ctx context.Context, client *applivery.Client, ch config.Channel, app config.App) string {
	if _, err := client.GetStore(ctx, ch.Store); err != nil {
		return "FAIL store: " + appliveryHint(err) + err.Error()
	}
	if _, err := client.GetPublishedApp(ctx, ch.Store, app.ID); err != nil {
		return "FAIL app: " + appliveryHint(err) + err.Error()
	}
	return "ok"
}

// appliveryHint says what to fix for the failures an operator can fix.
func appliveryHint(err error) string {
	switch p, _ := invite.Classify(err); p.Kind {
	case invite.Unauthorized:
		return "check APPLIVERY_API_TOKEN and its permissions: "
	case invite.NotFound:
		return "Applivery does not know this store or app, check the ids in the mapping file: "
	}
	return ""
}

// channelStatus is "" when the bot can post in the channel, else why not.
func channelStatus(ctx context.Context, api *slack.Client, id string) string {
	info, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: id})
	if err != nil {
		return "FAIL slack channel: " + slackProblem(err)
	}
	if !info.IsMember {
		return "FAIL slack channel: the bot is not a member; /invite @testerbot in #" + info.Name
	}
	return ""
}

func slackProblem(err error) string {
	if se, ok := err.(slack.SlackErrorResponse); ok {
		return se.Err
	}
	return err.Error()
}
