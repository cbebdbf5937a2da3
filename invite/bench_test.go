package invite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/testerbot/testerbot/applivery/appliverytest"
	"github.com/testerbot/testerbot/invite"
)

// BenchmarkBulkInvite invites 200 new testers against the fake Applivery answering every request
// after a fixed latency, with the default concurrency of 4. Each new email costs a lookup (GET)
// and a create (POST), so the ideal is emails × 2 × latency ÷ concurrency; "x-ideal" is how far
// above it the bot lands (1.00 would be perfect). Allocations include the in-process fake server.
//
//	go test -run '^$' -bench BulkInvite -benchtime 1x ./invite
func BenchmarkBulkInvite(b *testing.B) {
	const (
		emails          = 200
		concurrency     = 4
		latency         = 5 * time.Millisecond
		requestsPerMail = 2
	)
	ideal := time.Duration(emails*requestsPerMail) * latency / concurrency

	fake := appliverytest.New(b)
	fake.AddStore(storeID, "Acme beta")
	fake.AddPublishedApp(storeID, appID, "Acme iOS beta", "https://acme.applivery.io/acme-ios")
	service := invite.NewService(fake.Client(b), nil, invite.Options{Concurrency: concurrency, MaxEmails: emails})
	warmAppCache(b, service) // the link is fetched once per app, not per invite
	fake.SetLatency(latency)

	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		report, err := service.Invite(context.Background(), request(batch(i, emails)...), nil)
		if err != nil {
			b.Fatal(err)
		}
		if n := report.Count(invite.Invited); n != emails {
			b.Fatalf("%d of %d invited", n, emails)
		}
	}
	perBatch := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(perBatch)/float64(ideal), "x-ideal")
	b.ReportMetric(float64(ideal.Milliseconds()), "ideal-ms")
}

// batch is the i-th set of n addresses nobody has used yet, so every one is a new tester.
func batch(i, n int) []string {
	out := make([]string, n)
	for j := range out {
		out[j] = fmt.Sprintf("bench%d-%03d@example.com", i, j)
	}
	return out
}

func warmAppCache(b *testing.B, service *invite.Service) {
	b.Helper()
	if _, err := service.Invite(context.Background(), request("warm-up@example.com"), nil); err != nil {
		b.Fatal(err)
	}
}
