package app_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/testerbot/testerbot/app"
	"github.com/testerbot/testerbot/applivery/appliverytest"
	"github.com/testerbot/testerbot/internal/slackfake"
)

// BenchmarkAckLatencyBurst fires 300 /invite-tester commands at the bot at once, end to end over
// the fake Slack's websocket, while every Applivery request takes 1 s. Slack gives up on an
// envelope not acked within 3 s, so the acks must not wait for the invites. Latency runs from
// the moment the fake wrote an envelope to the moment it read the ack.
//
//	go test -run '^$' -bench AckLatencyBurst -benchtime 1x ./app
func BenchmarkAckLatencyBurst(b *testing.B) {
	const burst = 300
	fake := startBenchBot(b)
	fake.applivery.SetLatency(time.Second)

	var latencies []time.Duration
	b.ResetTimer()
	for i := range b.N {
		ids := make([]string, burst)
		for j := range ids {
			ids[j] = fake.slack.SlashCommand(slackfake.SlashCommand{
				UserID: lead, ChannelID: iosChan, Text: fmt.Sprintf("burst%d-%03d@example.com", i, j)})
		}
		latencies = append(latencies, waitAcks(b, fake.slack, ids)...)
	}
	b.StopTimer()
	slices.Sort(latencies)
	b.ReportMetric(durationMS(nearestRankPercentile(latencies, 50)), "p50-ms")
	b.ReportMetric(durationMS(nearestRankPercentile(latencies, 99)), "p99-ms")
	b.ReportMetric(durationMS(latencies[len(latencies)-1]), "max-ms")
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
func startBenchBot(b *testing.B) benchFakes {
	b.Helper()
	f := benchFakes{slack: slackfake.New(b), applivery: appliverytest.New(b)}
	f.applivery.AddStore(store, "Acme beta")
	f.applivery.AddPublishedApp(store, iosApp, "Acme iOS beta", "https://acme.applivery.io/acme-ios")
	f.applivery.AddPublishedApp(store, androidApp, "Acme Android beta", "")
	f.slack.AddChannel(iosChan, "beta-ios")
	f.slack.AddChannel(bothChan, "beta")

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
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }

	ctx, cancel := context.WithCancel(context.Background())
	exited := make(chan int, 1)
	logs := &syncBuffer{}
	go func() { exited <- app.Main(ctx, nil, lookup, logs, logs) }()
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
