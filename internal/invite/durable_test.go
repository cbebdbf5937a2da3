package invite_test

// Tests of the promises that must outlive a process (issue 8): a request is saved before its
// first Applivery call, outcomes the moment they are known, two requests never create one
// tester twice, a stopped run is finished elsewhere without repeating anything, and a bulk
// plans its look-ups.

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/applivery/appliverytest"
	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/store"
	"github.com/testerbot/testerbot/internal/store/storetest"
)

func emails(n int, prefix string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%03d+qa@example.com", prefix, i) // a "+" means something else to a regex
	}
	return out
}

func TestTheRequestIsSavedBeforeTheFirstAppliveryCall(t *testing.T) {
	f := newFixture(t, invite.Options{})
	var seen atomic.Bool
	f.fake.Inject(func(r *http.Request) *appliverytest.Fault {
		if !seen.Swap(true) {
			rows, err := f.db.Recent(context.Background(), store.Query{ChannelID: "C1"})
			assert.NoError(t, err)
			assert.Len(t, rows, 1, "the refused address is audited before anything is sent")
		}
		return nil
	})
	req := request("alice@example.com", "not-an-email")
	req.ID = "r-saved-first"
	rep := &reporter{}
	var loaded *invite.Record
	f.fake.OnCreate(func(applivery.OTPUser) {
		rec, err := f.db.LoadRequest(context.Background(), "r-saved-first")
		if assert.NoError(t, err) {
			loaded = rec
		}
	})
	require.NoError(t, f.service.Start(context.Background(), req, rep))
	require.NotNil(t, loaded, "the request was in the database when the create arrived")
	assert.Equal(t, []string{"alice@example.com", "not-an-email"}, loaded.Request.Emails)
	assert.False(t, loaded.EmailStates[0].SentAt.IsZero(), "with the moment its create was sent")
	assert.Equal(t, "1700000000.000100", loaded.ParentRef, "and where its progress is shown")
}

func TestEachOutcomeIsWrittenTheMomentItIsKnown(t *testing.T) {
	f := newFixture(t, invite.Options{Concurrency: 1})
	var auditedBefore []int
	f.fake.OnCreate(func(u applivery.OTPUser) {
		rows, err := f.db.Recent(context.Background(), store.Query{ChannelID: "C1"})
		assert.NoError(t, err)
		auditedBefore = append(auditedBefore, len(rows))
	})
	f.invite(request(emails(3, "one-by-one")...))
	assert.Equal(t, []int{0, 1, 2}, auditedBefore, "each create finds the outcomes before it already audited")
}

func TestUnknownCreateOutcomeNeverDuplicates(t *testing.T) {
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		// The server creates the user but the answer is lost (a 503 from a proxy after the work).
		f := newFixtureReading(t, reading, invite.Options{})
		f.fake.FailWith("POST", "/otp-users", 1, &appliverytest.Fault{Status: http.StatusServiceUnavailable, AfterCommit: true})
		report := f.invite(request("alice@example.com"))
		res := report.Results[0]
		assert.Equal(t, invite.Invited, res.Outcome)
		assert.True(t, res.Recovered)
		assert.Len(t, f.fake.OTPUsers(storeID), 1, "one tester, not two")
		assert.Equal(t, 1, f.fake.Count("POST", "/otp-users"), "the lookup found the user, so no second create")
	})
}

func TestUnknownOutcomeWithoutCommitIsRetried(t *testing.T) {
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		f := newFixtureReading(t, reading, invite.Options{})
		f.fake.Fail("POST", "/otp-users", 2, http.StatusServiceUnavailable, 0, "unavailable")
		report := f.invite(request("alice@example.com"))
		assert.Equal(t, invite.Invited, report.Results[0].Outcome)
		assert.Len(t, f.fake.OTPUsers(storeID), 1)
		assert.Equal(t, 3, f.fake.Count("POST", "/otp-users"))
	})
}

func TestClientTimeoutAfterServerCreatedIsOneInvite(t *testing.T) {
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		f := newFixtureReading(t, reading, invite.Options{CreateTimeout: 300 * time.Millisecond}, applivery.WithTimeout(100*time.Millisecond))
		f.fake.HangAfterCreate(2 * time.Second)
		report := f.invite(request("alice@example.com"))
		assert.Equal(t, invite.Invited, report.Results[0].Outcome)
		assert.True(t, report.Results[0].Recovered)
		assert.Len(t, f.fake.OTPUsers(storeID), 1)
	})
}

func TestAllAttemptsFailingSaysSoPlainly(t *testing.T) {
	f := newFixture(t, invite.Options{CreateRetries: 2})
	f.fake.Fail("POST", "/otp-users", 100, http.StatusServiceUnavailable, 0, "down")
	report := f.invite(request("alice@example.com"))
	assert.Equal(t, invite.Failed, report.Results[0].Outcome)
	assert.Equal(t, invite.Unreachable, report.Results[0].Problem.Kind)
	assert.Equal(t, 3, f.fake.Count("POST", "/otp-users"))
}

func TestADuplicateRefusalIsAlreadyInvitedNotFailed(t *testing.T) {
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		f := newFixtureReading(t, reading, invite.Options{})
		// Someone invites Alice from Applivery's dashboard between our look-up and our create.
		var once sync.Once
		f.fake.Inject(func(r *http.Request) *appliverytest.Fault {
			if r.Method == http.MethodPost {
				once.Do(func() {
					f.fake.AddOTPUser(storeID, applivery.OTPUser{Email: "alice@example.com", AllowedDownloadsNum: 9, PublishedApplicationID: appID})
				})
			}
			return nil
		})
		report := f.invite(request("alice@example.com"))
		assert.Equal(t, invite.AlreadyInvited, report.Results[0].Outcome, "Applivery answered 6001; the look-up found her")
		assert.Equal(t, 9, report.Results[0].Tester.AllowedDownloadsNum)
	})
}

// sameAddressesAtOnce runs two requests for the same five addresses at the same moment.
func sameAddressesAtOnce(t *testing.T, fake *appliverytest.Server, a, b *invite.Service) [2]invite.Report {
	t.Helper()
	fake.AllowDuplicates(true) // Applivery would accept a second one: only the bot can prevent it
	fake.SetLatency(20 * time.Millisecond)
	var reports [2]invite.Report
	var wg sync.WaitGroup
	for i, svc := range []*invite.Service{a, b} {
		wg.Go(func() {
			rep := &reporter{}
			req := request(emails(5, "both")...)
			req.UserID = fmt.Sprintf("U%d", i+1)
			assert.NoError(t, svc.Start(context.Background(), req, rep))
			reports[i] = rep.final
		})
	}
	wg.Wait()
	return reports
}

func assertEachCreatedOnce(t *testing.T, fake *appliverytest.Server, reports [2]invite.Report) {
	t.Helper()
	assert.Equal(t, 5, fake.Count("POST", "/otp-users"), "five creates for five addresses")
	assert.Len(t, fake.OTPUsers(storeID), 5)
	already := reports[0].Count(invite.AlreadyInvited) + reports[1].Count(invite.AlreadyInvited)
	invited := reports[0].Count(invite.Invited) + reports[1].Count(invite.Invited)
	assert.Equal(t, 5, invited)
	assert.Equal(t, 5, already, "the other request reports each as already invited")
	for _, r := range reports {
		for _, res := range r.Results {
			if res.Outcome == invite.AlreadyInvited {
				assert.NotNil(t, res.Tester, "with the tester's id")
				assert.NotEmpty(t, res.InvitedBy, "and who is inviting them right now")
			}
		}
	}
}

func TestTwoRequestsForTheSameAddressesCreateEachOnce(t *testing.T) {
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		f := newFixtureReading(t, reading, invite.Options{})
		assertEachCreatedOnce(t, f.fake, sameAddressesAtOnce(t, f.fake, f.service, f.service))
	})
}

func TestTwoReplicasForTheSameAddressesCreateEachOnce(t *testing.T) {
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		storetest.ForEachConfig(t, func(t *testing.T, c store.Config) {
			fake := newFake(t, reading)
			a, b := storetest.Open(t, c), storetest.Open(t, c) // two processes, one database
			one := invite.NewService(fake.Client(t), a, quick(invite.Options{}))
			two := invite.NewService(fake.Client(t), b, quick(invite.Options{}))
			assertEachCreatedOnce(t, fake, sameAddressesAtOnce(t, fake, one, two))
		})
	})
}

// A process stops (SIGTERM past its grace period) with creates in flight that Applivery commits
// later. Another process takes the request over: it looks those addresses up only once their
// create can no longer land, creates nobody twice, and shows each result exactly once.
func TestAStoppedRunIsFinishedElsewhereWithoutRepeatingAnything(t *testing.T) {
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		f := newFixtureReading(t, reading, invite.Options{Concurrency: 4, CreateTimeout: 400 * time.Millisecond})
		f.fake.AllowDuplicates(true)
		f.fake.CommitCreatesAfter(150 * time.Millisecond)
		ctx, stop := context.WithCancel(context.Background())
		var creates atomic.Int32
		f.fake.Inject(func(r *http.Request) *appliverytest.Fault {
			if r.Method == http.MethodPost && creates.Add(1) == 6 {
				stop() // the process is told to stop with six creates sent
			}
			return nil
		})
		first := &reporter{}
		req := request(emails(20, "bulk")...)
		req.ID = "r-stopped"
		require.NoError(t, f.service.Start(ctx, req, first))
		require.False(t, first.finished(), "the first process did not finish")

		rep := resumeElsewhere(t, f.fake, f.db, invite.Options{CreateTimeout: 400 * time.Millisecond})

		users := f.fake.OTPUsers(storeID)
		assert.Len(t, users, 20, "every address created exactly once")
		seen := map[string]int{}
		for _, res := range append(first.delivered, rep.delivered...) {
			seen[res.Email]++
		}
		assert.Len(t, seen, 20)
		for email, n := range seen {
			assert.Equal(t, 1, n, "%s shown once", email)
		}
		assert.Equal(t, 0, rep.begins, "the parent message was already posted; it is not posted again")
		assert.Equal(t, 20, rep.final.Count(invite.Invited))
		rec, err := f.db.LoadRequest(context.Background(), "r-stopped")
		require.NoError(t, err)
		assert.Equal(t, invite.Done, rec.State)
	})
}

func TestABulkListsThePublicationInsteadOfLookingEachAddressUp(t *testing.T) {
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		f := newFixtureReading(t, reading, invite.Options{MaxEmails: 100})
		for i := range 3 {
			f.fake.AddOTPUser(storeID, applivery.OTPUser{Email: fmt.Sprintf("old%d@example.com", i), AllowedDownloadsNum: 1, PublishedApplicationID: appID})
		}
		report := f.invite(request(append(emails(99, "new"), "OLD1@example.com")...))
		assert.Equal(t, 99, report.Count(invite.Invited))
		assert.Equal(t, invite.AlreadyInvited, report.Results[99].Outcome, "the listing knew her")
		perEmail := float64(f.fake.Count("", "/otp-users")) / 100
		assert.LessOrEqual(t, perEmail, 1.1, "one listing and one create per new tester")
	})
}

func TestResultsAreShownInOrderAndProgressIsPaced(t *testing.T) {
	f := newFixture(t, invite.Options{Concurrency: 4, ProgressInterval: time.Hour})
	f.fake.SetLatency(2 * time.Millisecond)
	rep := &reporter{}
	require.NoError(t, f.service.Start(context.Background(), request(emails(30, "order")...), rep))
	require.Len(t, rep.delivered, 30)
	for i, res := range rep.delivered {
		assert.Equal(t, fmt.Sprintf("order%03d+qa@example.com", i), res.Email)
	}
	assert.LessOrEqual(t, len(rep.progress), 1, "at most one progress report per interval")
}

func TestNobodyToTellMeansNobodyIsInvited(t *testing.T) {
	f := newFixture(t, invite.Options{})
	rep := &reporter{failBegin: fmt.Errorf("not_in_channel")}
	req := request("alice@example.com")
	req.ID = "r-abandoned"
	require.NoError(t, f.service.Start(context.Background(), req, rep))
	assert.Empty(t, f.fake.Requests())
	rec, err := f.db.LoadRequest(context.Background(), "r-abandoned")
	require.NoError(t, err)
	assert.Equal(t, invite.Abandoned, rec.State)
	assert.False(t, strings.Contains(fmt.Sprint(rec.EmailStates), "invited"))
}

// An answer from Applivery, even a 5xx, means it is done with the request: the address is looked
// up at once and the create retried after a short backoff. Were the bot to wait out the window in
// which an unanswered create may still land (an hour here), the request would not finish.
func TestAnAnsweredFailureIsLookedUpAtOnceAndRetried(t *testing.T) {
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		f := newFixtureReading(t, reading, invite.Options{CreateTimeout: time.Hour, CreateBackoff: time.Millisecond})
		f.fake.Fail("POST", "/otp-users", 2, http.StatusServiceUnavailable, 0, "unavailable")
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		rep := &reporter{}
		require.NoError(t, f.service.Start(ctx, request("alice+qa@example.com"), rep))
		require.True(t, rep.finished(), "finished without waiting out APPLIVERY_TIMEOUT")
		res := rep.final.Results[0]
		assert.Equal(t, invite.Invited, res.Outcome)
		assert.Equal(t, 3, f.fake.Count("POST", "/otp-users"), "503, 503, then the create that worked")
		assert.Len(t, f.fake.OTPUsers(storeID), 1)
		assert.Equal(t, 3, f.fake.Count("GET", "/otp-users"), "looked up first, then after each 503")
	})
}

// missEveryFilteredLookUp makes the fake answer every filtered listing with nobody, as a server
// reading the filter in some third way might.
func missEveryFilteredLookUp(fake *appliverytest.Server) {
	fake.Inject(func(r *http.Request) *appliverytest.Fault {
		if q := r.URL.Query(); q.Has("email") {
			q.Set("email", "matches-nobody-at-all")
			r.URL.RawQuery = q.Encode()
		}
		return nil
	})
}

func TestAMissAfterARefusedCreateIsCheckedAgainstEveryTester(t *testing.T) {
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		f := newFixtureReading(t, reading, invite.Options{})
		for i := range 150 {
			f.fake.AddOTPUser(storeID, applivery.OTPUser{Email: fmt.Sprintf("other%03d@example.com", i), PublishedApplicationID: appID})
		}
		alice := f.fake.AddOTPUser(storeID, applivery.OTPUser{Email: "Alice+QA@example.com", AllowedDownloadsNum: 2, PublishedApplicationID: appID})
		missEveryFilteredLookUp(f.fake)

		report := f.invite(request("alice+qa@example.com"))
		res := report.Results[0]
		assert.Equal(t, invite.AlreadyInvited, res.Outcome, "Applivery refused the create as a duplicate; the unfiltered scan found her")
		require.NotNil(t, res.Tester)
		assert.Equal(t, alice.ID, res.Tester.ID)
		assert.Len(t, f.fake.OTPUsers(storeID), 151, "nobody created")
	})
}

// finishFailsAfterCreates is a store whose outcome writes fail while a fault is armed: the moment
// a create commits, as when the database's connections are terminated or its disk is full.
type finishFailsAfterCreates struct {
	invite.Store
	times   int          // failures per create; < 0: every write from then on
	armed   atomic.Int32 // failures left
	failed  atomic.Int32 // failures so far
	onFault func()
}

func (s *finishFailsAfterCreates) arm() { s.armed.Store(int32(s.times)) }

func (s *finishFailsAfterCreates) Finish(ctx context.Context, id, owner string, pos int, res invite.Result) error {
	if left := s.armed.Load(); left != 0 {
		if left > 0 {
			s.armed.Add(-1)
		}
		s.failed.Add(1)
		if s.onFault != nil {
			s.onFault()
		}
		return fmt.Errorf("store: finish: database or disk is full (SQLITE_FULL)")
	}
	return s.Store.Finish(ctx, id, owner, pos, res)
}

func TestAFailedOutcomeWriteIsRetriedNeverCreatedAgainNorMislabelled(t *testing.T) {
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		storetest.ForEachConfig(t, func(t *testing.T, cfg store.Config) {
			fake := newFake(t, reading)
			fake.AllowDuplicates(true) // Applivery would take a second tester: only the bot prevents it
			db := &finishFailsAfterCreates{Store: storetest.Open(t, cfg), times: 3}
			fake.OnCreate(func(applivery.OTPUser) { db.arm() })
			svc := invite.NewService(fake.Client(t), db, quick(invite.Options{Concurrency: 1}))

			rep := &reporter{}
			require.NoError(t, svc.Start(context.Background(), request(emails(10, "full")...), rep))
			require.True(t, rep.finished())
			assert.Equal(t, 30, int(db.failed.Load()), "three failed writes after each create")
			assert.Equal(t, 10, fake.Count("POST", "/otp-users"), "one create per address")
			assert.Equal(t, 10, rep.final.Count(invite.Invited), "each labelled as it happened")
		})
	})
}

// The store stops taking writes just as the last create commits, and stays down until the
// process stops. The next process resumes: the address whose create was sent is looked up, found
// and reported as this request's invite, never created again and never "already a tester".
func TestAnOutcomeNeverWrittenIsResumedAsTheInviteItWas(t *testing.T) {
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		storetest.ForEachConfig(t, func(t *testing.T, cfg store.Config) {
			fake := newFake(t, reading)
			fake.AllowDuplicates(true)
			healthy := storetest.Open(t, cfg)
			ctx, stop := context.WithCancel(context.Background())
			db := &finishFailsAfterCreates{Store: healthy, times: -1}
			db.onFault = func() {
				if db.failed.Load() == 3 {
					stop() // the process stops with the outcome still unwritten
				}
			}
			var creates atomic.Int32
			fake.OnCreate(func(applivery.OTPUser) {
				if creates.Add(1) == 10 {
					db.arm()
				}
			})
			first := invite.NewService(fake.Client(t), db, quick(invite.Options{Concurrency: 1}))
			req := request(emails(10, "lost")...)
			req.ID = "r-unwritten"
			require.NoError(t, first.Start(ctx, req, &reporter{}))
			rec, err := healthy.LoadRequest(context.Background(), "r-unwritten")
			require.NoError(t, err)
			require.False(t, rec.EmailStates[9].Final(), "the last outcome was never written")

			rep := resumeElsewhere(t, fake, healthy, invite.Options{})

			assert.Equal(t, 10, fake.Count("POST", "/otp-users"), "one create per address")
			assert.Len(t, fake.OTPUsers(storeID), 10)
			assert.Equal(t, 10, rep.final.Count(invite.Invited), "the last one too is this request's invite")
			last := rep.final.Results[9]
			assert.True(t, last.Recovered, "found after its create, not created again")
		})
	})
}

// chaos answers a share of creates with the faults an unattended bot meets: Applivery's own 503
// before or after it committed the tester, and a gateway's HTML 502 before or after.
func chaos(fake *appliverytest.Server, seed uint64) *atomic.Int32 {
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(seed, seed))
	faults := &atomic.Int32{}
	fake.Inject(func(r *http.Request) *appliverytest.Fault {
		if r.Method != http.MethodPost {
			return nil
		}
		mu.Lock()
		roll := rng.IntN(100)
		mu.Unlock()
		var f *appliverytest.Fault
		switch {
		case roll < 6:
			f = appliverytest.APIError(http.StatusServiceUnavailable, 0, "unavailable")
		case roll < 12:
			f = appliverytest.APIError(http.StatusServiceUnavailable, 0, "unavailable")
			f.AfterCommit = true
		case roll < 16:
			f = appliverytest.BadGateway()
		case roll < 20:
			f = appliverytest.BadGateway()
			f.AfterCommit = true
		default:
			return nil
		}
		faults.Add(1)
		return f
	})
	return faults
}

func TestABulkThroughChaosCreatesEachTesterOnceAndLabelsEachAsItHappened(t *testing.T) {
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		f := newFixtureReading(t, reading, invite.Options{MaxEmails: 200, CreateRetries: 8})
		f.fake.AllowDuplicates(true) // Applivery would take a second tester: only the bot prevents it
		addresses := emails(200, "chaos")
		existing := map[string]string{}
		for _, email := range addresses[:20] {
			existing[email] = f.fake.AddOTPUser(storeID, applivery.OTPUser{Email: email, PublishedApplicationID: appID}).ID
		}
		faults := chaos(f.fake, 42)

		report := f.invite(request(addresses...))
		t.Logf("%d faults over %d creates", faults.Load(), f.fake.Count("POST", "/otp-users"))
		assert.Positive(t, faults.Load())
		byEmail := map[string][]applivery.OTPUser{}
		for _, u := range f.fake.OTPUsers(storeID) {
			byEmail[u.Email] = append(byEmail[u.Email], u)
		}
		for _, res := range report.Results {
			users := byEmail[res.Email]
			require.Len(t, users, 1, "%s: one tester, never two", res.Email)
			require.NotNil(t, res.Tester, res.Email)
			assert.Equal(t, users[0].ID, res.Tester.ID, res.Email)
			if id, ok := existing[res.Email]; ok {
				assert.Equal(t, invite.AlreadyInvited, res.Outcome, res.Email)
				assert.Equal(t, id, res.Tester.ID)
			} else {
				assert.Equal(t, invite.Invited, res.Outcome, "%s: created by this request, whatever the look-up found", res.Email)
			}
		}
	})
}

// The database's connections are terminated the moment the last create of a bulk commits, as
// when PostgreSQL restarts or a pooler drops them: the outcome is written once the store is back,
// nobody is created twice, and every tester is labelled as invited.
func TestConnectionsTerminatedAsACreateCommitsDoubleNothing(t *testing.T) {
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		cfg := storetest.Postgres(t)
		fake := newFake(t, reading)
		fake.AllowDuplicates(true)
		db := storetest.Open(t, cfg)
		admin, err := sql.Open("pgx", cfg.PostgresURL)
		require.NoError(t, err)
		t.Cleanup(func() { admin.Close() })
		var creates, terminated atomic.Int32
		fake.OnCreate(func(applivery.OTPUser) {
			if creates.Add(1) != 10 {
				return
			}
			var n int32
			err := admin.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
				WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&n)
			assert.NoError(t, err)
			terminated.Store(n)
		})
		svc := invite.NewService(fake.Client(t), db, quick(invite.Options{}))

		report := runToEnd(t, svc, emails(10, "terminated"))
		assert.Positive(t, terminated.Load(), "the store's connections were terminated")
		assert.Equal(t, 10, fake.Count("POST", "/otp-users"), "one create per address")
		assert.Len(t, fake.OTPUsers(storeID), 10)
		assert.Equal(t, 10, report.Count(invite.Invited), "each labelled as it happened")
	})
}

// runToEnd runs a request to its end on svc and returns its final report.
func runToEnd(t *testing.T, svc *invite.Service, addrs []string) invite.Report {
	t.Helper()
	rep := &reporter{}
	require.NoError(t, svc.Start(context.Background(), request(addrs...), rep))
	require.True(t, rep.finished(), "the request was summed up")
	return rep.final
}
