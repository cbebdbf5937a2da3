package invite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/testerbot/testerbot/applivery/appliverytest"
	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/store/storetest"
)

// BenchmarkBulkInvite invites 200 new testers into a publication that has a few, against the
// fake Applivery answering every request after a fixed latency, with the default concurrency of
// 4 and every outcome written to SQLite as it is known. A planned bulk costs one listing and one
// create per new tester, so the ideal is about emails × latency ÷ concurrency; "x-ideal" is how
// far above it the bot lands (1.00 would be perfect), "requests/email" what it asked Applivery.
//
//	go test -run '^$' -bench BulkInvite -benchtime 1x ./invite
func BenchmarkBulkInvite(b *testing.B) {
	const (
		emails      = 200
		concurrency = 4
		latency     = 5 * time.Millisecond
	)
	ideal := time.Duration(emails)*latency/concurrency + latency

	fake := appliverytest.New(b)
	fake.AddStore(storeID, "Acme beta")
	fake.AddPublishedApp(storeID, appID, "Acme iOS beta", "https://acme.applivery.io/acme-ios")
	db := storetest.Open(b, storetest.SQLite(b))
	service := invite.NewService(fake.Client(b), db, invite.Options{Concurrency: concurrency, MaxEmails: emails, ProgressInterval: time.Second})
	bulk(b, service, []string{"warm-up@example.com"}) // the link is fetched once per app, not per invite
	fake.SetLatency(latency)
	before := fake.Count("", "")

	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		bulk(b, service, batch(i, emails))
	}
	perBatch := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(perBatch)/float64(ideal), "x-ideal")
	b.ReportMetric(float64(ideal.Milliseconds()), "ideal-ms")
	b.ReportMetric(float64(fake.Count("", "")-before)/float64(b.N*emails), "requests/email")
}

func bulk(b *testing.B, service *invite.Service, addrs []string) {
	b.Helper()
	rep := &reporter{}
	if err := service.Start(context.Background(), request(addrs...), rep); err != nil {
		b.Fatal(err)
	}
	if n := rep.final.Count(invite.Invited); n != len(addrs) {
		b.Fatalf("%d of %d invited", n, len(addrs))
	}
}

// batch is the i-th set of n addresses nobody has used yet, so every one is a new tester.
func batch(i, n int) []string {
	out := make([]string, n)
	for j := range out {
		out[j] = fmt.Sprintf("bench%d-%03d@example.com", i, j)
	}
	return out
}
