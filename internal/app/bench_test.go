package app_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/testerbot/testerbot/applivery/appliverytest"
	"github.com/testerbot/testerbot/internal/app"
	"github.com/testerbot/testerbot/internal/slackfake"
	"github.com/testerbot/testerbot/internal/testlog"
)

// BenchmarkAckLatencyBurst fires a burst of 200 /invite-tester commands at once, end to end over
// the fake Slack's websocket, while every Applivery request takes 1 s — first at a bare slack-go
// bot that only acks and posts one message per command (the floor of this stack), then at the
// bot itself, in the same run. Slack gives up on an envelope not acked within 3 s, so the acks
// must not wait for the invites, the database or Applivery. Latency runs from the moment the
// fake wrote an envelope to the moment it read the ack. Absolute figures on shared CPUs swing
// from run to run; the ratios to the floor ("x-floor") do not.
//
//	go test -run '^$' -bench AckLatencyBurst -benchtime 1x ./app
func BenchmarkAckLatencyBurst(b *testing.B) {
	const burst = 200
	bare, ours := startBareBot(b), startBenchBot(b, time.Minute)
	burstLatencies(b, 20, bare, "warm-up") // connections, caches and the runtime warm up alike
	burstLatencies(b, 20, ours, "warm-up")
	b.ResetTimer()
	floor := burstLatencies(b, burst, bare, "floor")
	bot := burstLatencies(b, burst, ours, "bot")
	for _, p := range []int{50, 99} {
		f, t := nearestRankPercentile(floor, p), nearestRankPercentile(bot, p)
		b.ReportMetric(durationMS(f), fmt.Sprintf("floor-p%d-ms", p))
		b.ReportMetric(durationMS(t), fmt.Sprintf("p%d-ms", p))
		b.ReportMetric(float64(t)/float64(f), fmt.Sprintf("p%d-x-floor", p))
	}
	b.ReportMetric(durationMS(bot[len(bot)-1]), "max-ms")
}

// burstLatencies sends b.N bursts of n commands and returns every ack's latency, sorted.
func burstLatencies(b *testing.B, n int, f benchFakes, name string) []time.Duration {
	b.Helper()
	f.applivery.SetLatency(time.Second)
	var latencies []time.Duration
	for i := range b.N {
		ids := make([]string, n)
		for j := range ids {
			ids[j] = f.slack.SlashCommand(slackfake.SlashCommand{
				UserID: lead, ChannelID: iosChan, Text: fmt.Sprintf("%s%d-%03d@example.com", name, i, j)})
		}
		latencies = append(latencies, waitAcks(b, f.slack, ids)...)
	}
	slices.Sort(latencies)
	return latencies
}

// startBareBot runs the least a Socket Mode bot can do per command with slack-go: ack, then post
// one message.
func startBareBot(b *testing.B) benchFakes {
	b.Helper()
	f := benchFakes{slack: slackfake.New(b), applivery: appliverytest.New(b)}
	f.slack.AddChannel(iosChan, "beta-ios")
	api := slack.New(f.slack.BotToken(), slack.OptionAppLevelToken(f.slack.AppToken()), slack.OptionAPIURL(f.slack.APIURL()))
	socket := socketmode.New(api)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case evt := <-socket.Events:
				if cmd, ok := evt.Data.(slack.SlashCommand); ok {
					_ = socket.Ack(*evt.Request)
					go func() { _, _, _ = api.PostMessageContext(ctx, cmd.ChannelID, slack.MsgOptionText(cmd.Text, false)) }()
				}
			}
		}
	}()
	go func() { _ = socket.RunContext(ctx) }()
	b.Cleanup(func() {
		cancel()
		<-done
	})
	wait, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	if err := f.slack.WaitConnected(wait); err != nil {
		b.Fatalf("bare bot never connected: %v", err)
	}
	return f
}

func waitAcks(b *testing.B, fake *slackfake.Server, ids []string) []time.Duration {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out := make([]time.Duration, 0, len(ids))
	for _, id := range ids {
		ack, err := fake.WaitAck(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, ack.Latency)
	}
	return out
}

// percentile is the nearest-rank percentile of sorted durations.
func nearestRankPercentile(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100 // ceil(p% of n), 1-based
	return sorted[max(rank, 1)-1]
}

func durationMS(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

type benchFakes struct {
	slack     *slackfake.Server
	applivery *appliverytest.Server
}

// startBenchBot runs the program as the harness does (which is bound to *testing.T), with a
// short shutdown timeout so the invites still waiting on Applivery do not outlast the benchmark.
// minute is Slack's minute, the bot's SLACK_MINUTE and the fake Slack's alike, which enforces
// Slack's limits at that pace.
func startBenchBot(b *testing.B, minute time.Duration) benchFakes {
	b.Helper()
	f := benchFakes{slack: slackfake.New(b, slackfake.WithMinute(minute)), applivery: appliverytest.New(b)}
	f.applivery.AddStore(store, "Acme beta")
	f.applivery.AddPublishedApp(store, iosApp, "Acme iOS beta", "https://acme.applivery.io/acme-ios")
	f.applivery.AddPublishedApp(store, androidApp, "Acme Android beta", "")
	f.slack.AddChannel(iosChan, "beta-ios")
	f.slack.AddChannel(bothChan, "beta")
	f.slack.AddUser(slackfake.User{ID: lead, Name: "ana"})
	f.slack.SetChannelMembers(iosChan, lead)

	dir := b.TempDir()
	mapping := filepath.Join(dir, "channels.yaml")
	if err := os.WriteFile(mapping, []byte(baseMapping), 0o600); err != nil {
		b.Fatal(err)
	}
	env := map[string]string{
		"SLACK_APP_TOKEN": f.slack.AppToken(), "SLACK_BOT_TOKEN": f.slack.BotToken(), "SLACK_API_URL": f.slack.APIURL(),
		"APPLIVERY_API_TOKEN": f.applivery.Token(), "APPLIVERY_ORGANIZATION": f.applivery.Organization(),
		"APPLIVERY_API_URL": f.applivery.URL(), "AUDIT_DB": filepath.Join(dir, "invites.db"),
		"CHANNELS_FILE": mapping, "HTTP_ADDR": "127.0.0.1:0", "SHUTDOWN_TIMEOUT": "1s",
		"SLACK_MINUTE": minute.String(),
	}
	cfg := envFrom(b, env)

	ctx, cancel := context.WithCancel(context.Background())
	exited := make(chan int, 1)
	logs := &testlog.Buffer{}
	go func() { exited <- app.Serve(ctx, cfg, logs) }()
	b.Cleanup(func() {
		cancel()
		<-exited
	})
	wait, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	if err := f.slack.WaitConnected(wait); err != nil {
		b.Fatalf("bot never connected: %v; logs:\n%s", err, logs)
	}
	return f
}

// BenchmarkResultAfter503503200 times one invite, from the command to its result in the thread,
// when Applivery answers the create with 503, 503, then 200, at the bot's defaults
// (APPLIVERY_TIMEOUT 10 s). An answered 503 is a known outcome: the bot looks the address up at
// once and creates again after a short backoff, rather than waiting out APPLIVERY_TIMEOUT.
//
//	go test -run '^$' -bench ResultAfter503503200 -benchtime 5x ./app
func BenchmarkResultAfter503503200(b *testing.B) {
	f := startBenchBot(b, time.Minute)
	var total time.Duration
	for i := range b.N {
		f.applivery.FailWith(http.MethodPost, "/otp-users", 2, appliverytest.APIError(http.StatusServiceUnavailable, 0, "unavailable"))
		email := fmt.Sprintf("bench%03d+qa@example.com", i)
		start := time.Now()
		f.slack.SlashCommand(slackfake.SlashCommand{UserID: lead, ChannelID: iosChan, Text: email})
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		_, err := f.slack.WaitMessage(ctx, iosChan, func(m slackfake.Message) bool {
			return m.ThreadTS != "" && strings.Contains(m.Text, "*"+email+"*")
		})
		cancel()
		if err != nil {
			b.Fatalf("no result for %s: %v", email, err)
		}
		total += time.Since(start)
	}
	b.ReportMetric(durationMS(total)/float64(b.N), "ms-to-result")
}

// benchMinute is Slack's minute in the benchmarks of Slack's pace: a tenth of a real one, for the
// bot (SLACK_MINUTE) and for the fake Slack, which enforces Slack's limits at that pace. Their
// figures in Slack's time are the measured ones times benchScale. A 429's Retry-After is still
// whole real seconds, so each 429 costs ten of Slack's seconds here: the scale is no kinder to the
// bot than a real minute.
const (
	benchMinute = 6 * time.Second
	benchScale  = float64(time.Minute) / float64(benchMinute)
)

// inSlackSeconds is a duration measured at benchMinute, in seconds of Slack's real pace.
func inSlackSeconds(d time.Duration) float64 { return d.Seconds() * benchScale }

// BenchmarkBulkUnderSlackLimits invites 100 addresses in one command, 80 of them members of the
// workspace, against the fake Slack enforcing Slack's limits (users.lookupByEmail 50 a minute,
// chat.update 50, a post a second per channel after a burst of three): every tester's OTP user id
// must be shown in the channel within 40 s of the command, every member told by DM within 150 s,
// with at most 20 429s. Figures are in Slack's seconds (see benchMinute).
//
//	go test -run '^$' -bench BulkUnderSlackLimits -benchtime 1x ./app
func BenchmarkBulkUnderSlackLimits(b *testing.B) {
	f := startBenchBot(b, benchMinute)
	var shown, told time.Duration
	limited := 0
	for i := range b.N {
		list := make([]string, 100)
		var members []string
		for j := range list {
			list[j] = fmt.Sprintf("bulk%d-%03d+qa@example.com", i, j)
			if j < 80 {
				id := fmt.Sprintf("U0M%02d%05d", i, j)
				f.slack.AddUser(slackfake.User{ID: id, Name: fmt.Sprintf("member%d-%03d", i, j), Email: list[j]})
				members = append(members, id)
			}
		}
		before := f.slack.RateLimited("")
		start := time.Now()
		f.slack.SlashCommand(slackfake.SlashCommand{UserID: lead, ChannelID: iosChan, Text: strings.Join(list, "\n")})
		waitUntil(b, f, 10*benchMinute, "every tester's id shown", func() bool { return idsShown(f, iosChan, list) })
		shown += time.Since(start)
		waitUntil(b, f, 10*benchMinute, "every member told", func() bool {
			for _, id := range members {
				if len(f.slack.Messages(id)) == 0 {
					return false
				}
			}
			return true
		})
		told += time.Since(start)
		limited += f.slack.RateLimited("") - before
	}
	n := float64(b.N)
	b.ReportMetric(inSlackSeconds(shown)/n, "s-ids-shown")
	b.ReportMetric(inSlackSeconds(told)/n, "s-members-told")
	b.ReportMetric(float64(limited)/n, "429s")
	b.Logf("429s by method: %v", f.slack.RateLimitedByMethod())
}

// BenchmarkBurstInOneChannelUnderSlackLimits types 25 /invite-tester commands at once in one
// channel, one new address each, against the fake Slack enforcing Slack's limits: none may be
// refused, every tester must be created once and shown within 120 s, with at most 40 429s.
// Figures are in Slack's seconds (see benchMinute).
//
//	go test -run '^$' -bench BurstInOneChannelUnderSlackLimits -benchtime 1x ./app
func BenchmarkBurstInOneChannelUnderSlackLimits(b *testing.B) {
	const commands = 25
	f := startBenchBot(b, benchMinute)
	var shown time.Duration
	limited, refused := 0, 0
	for i := range b.N {
		list := make([]string, commands)
		for j := range list {
			list[j] = fmt.Sprintf("burst%d-%02d+qa@example.com", i, j)
		}
		before, created := f.slack.RateLimited(""), f.applivery.Count(http.MethodPost, "/otp-users")
		start := time.Now()
		for _, email := range list {
			f.slack.SlashCommand(slackfake.SlashCommand{UserID: lead, ChannelID: iosChan, Text: email})
		}
		waitUntil(b, f, 10*benchMinute, "every tester's id shown", func() bool { return idsShown(f, iosChan, list) })
		shown += time.Since(start)
		limited += f.slack.RateLimited("") - before
		if got := f.applivery.Count(http.MethodPost, "/otp-users") - created; got != commands {
			b.Fatalf("%d creates for %d new testers", got, commands)
		}
	}
	for _, p := range f.slack.ResponsePosts() {
		if strings.Contains(string(p.Body), ":warning:") {
			refused++
		}
	}
	if refused > 0 {
		b.Errorf("%d people were told something went wrong", refused)
	}
	n := float64(b.N)
	b.ReportMetric(inSlackSeconds(shown)/n, "s-all-shown")
	b.ReportMetric(float64(limited)/n, "429s")
	b.Logf("429s by method: %v", f.slack.RateLimitedByMethod())
}

// idsShown says whether the channel's messages, threads included, show the OTP user id of every
// address, each created once.
func idsShown(f benchFakes, channel string, addresses []string) bool {
	ids := map[string]string{}
	for _, u := range f.applivery.OTPUsers(store) {
		if _, twice := ids[u.Email]; twice {
			return false
		}
		ids[u.Email] = u.ID
	}
	var all strings.Builder
	for _, m := range f.slack.Messages(channel) {
		all.WriteString(m.Text)
		all.Write(m.Blocks)
	}
	text := all.String()
	for _, email := range addresses {
		id, created := ids[email]
		if !created || !strings.Contains(text, id) {
			return false
		}
	}
	return true
}

func waitUntil(b *testing.B, f benchFakes, timeout time.Duration, what string, cond func() bool) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := f.slack.WaitUntil(ctx, what, cond); err != nil {
		b.Fatalf("%v (429s by method: %v)", err, f.slack.RateLimitedByMethod())
	}
}
