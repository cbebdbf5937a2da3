package store_test

// Access that ends, as package expiry relies on it: an end is scheduled in the transaction of
// the invite's outcome, a re-invite replaces it, due ends go to exactly one process, every write
// of that process is fenced by its lease, and a finished end is offered until it is posted, then
// never again.

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/internal/expiry"
	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/store"
	"github.com/testerbot/testerbot/internal/store/storetest"
)

const day = 24 * time.Hour

// invitedFor saves request id, whose access lasts for access, and finishes its one email as
// invited at finished; it returns the end that scheduled, as TakeDue reads it.
func invitedFor(t *testing.T, s *store.Store, id, email string, access time.Duration, finished time.Time) expiry.End {
	t.Helper()
	rec := newRecord(id, t0, email)
	rec.AccessFor, rec.RequestedBy = access, "U0ASKER"
	create(t, s, rec, ownerA, finished.Add(time.Hour))
	require.NoError(t, s.Finish(context.Background(), id, ownerA, 0, invite.Result{Email: email, Outcome: invite.Invited,
		Tester: tester(email), FinishedAt: finished}))
	return expiry.End{
		Key:   expiry.Key{StoreID: "store-1", AppID: "app-42", OTPUserID: "otp-" + email},
		Email: email, AppName: "Acme iOS", ChannelID: "C0QA", ReplyChannel: "C0REPLY", ReplyThread: "1700000000.000100",
		EndsAt: finished.Add(access), RequestID: id, InvitedBy: "U0ALICE", RequestedBy: "U0ASKER", State: expiry.Scheduled,
	}
}

// takeDue takes, for owner, every end that needs work by now, leased for a minute.
func takeDue(t *testing.T, s *store.Store, owner string, now time.Time) []expiry.End {
	t.Helper()
	taken, err := s.TakeDue(context.Background(), owner, now, now.Add(time.Minute), 100)
	require.NoError(t, err)
	return taken
}

func upcoming(t *testing.T, s *store.Store, channels ...string) []expiry.End {
	t.Helper()
	ends, err := s.UpcomingEnds(context.Background(), channels, 100)
	require.NoError(t, err)
	return ends
}

func TestFinishSchedulesTheEndOfTheAccessItGave(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		want := invitedFor(t, s, "r-1", "tester@example.com", 14*day, t0.Add(time.Second))

		require.Empty(t, takeDue(t, s, ownerB, want.EndsAt.Add(-time.Millisecond)), "not due yet")
		require.Equal(t, []expiry.End{want}, upcoming(t, s, "C0QA"))
		ends, err := s.AccessEnds(ctx, "store-1", []string{"otp-tester@example.com", "otp-nobody"})
		require.NoError(t, err)
		require.Equal(t, map[string]time.Time{"otp-tester@example.com": want.EndsAt}, ends)

		require.Equal(t, []expiry.End{want}, takeDue(t, s, ownerB, want.EndsAt), "due at its time")
	})
}

// Results posted in a thread of their own go under the request's parent message; the end is
// posted there too.
func TestTheEndIsPostedInTheThreadOfTheResults(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		rec := newRecord("r-1", t0, "tester@example.com")
		rec.Reply.Thread, rec.AccessFor = "", time.Hour
		create(t, s, rec, ownerA, t0.Add(time.Hour))
		require.NoError(t, s.SetParent(ctx, "r-1", ownerA, "1700000000.000200"))
		require.NoError(t, s.Finish(ctx, "r-1", ownerA, 0, invite.Result{Email: "tester@example.com",
			Outcome: invite.AlreadyInvited, Tester: tester("tester@example.com"), FinishedAt: t0}))

		ends := upcoming(t, s, "C0QA")
		require.Len(t, ends, 1)
		require.Equal(t, "C0REPLY", ends[0].ReplyChannel)
		require.Equal(t, "1700000000.000200", ends[0].ReplyThread)
	})
}

// Only an outcome that leaves a tester in, of a request whose access ends, schedules an end;
// and an outcome that is not written schedules nothing.
func TestOnlyAnInviteWhoseAccessEndsSchedulesOne(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		invitedFor(t, s, "r-forever", "forever@example.com", 0, t0)
		failing := newRecord("r-failed", t0, "failed@example.com")
		failing.AccessFor = time.Hour
		create(t, s, failing, ownerA, t0.Add(time.Hour))
		require.NoError(t, s.Finish(ctx, "r-failed", ownerA, 0, invite.Result{Email: "failed@example.com",
			Outcome: invite.Failed, Problem: invite.Problem{Kind: invite.Unreachable}, FinishedAt: t0}))

		// The audit row cannot be written (no origin): neither is the outcome, nor the end.
		broken := newRecord("r-broken", t0, "broken@example.com")
		broken.AccessFor, broken.Origin = time.Hour, ""
		create(t, s, broken, ownerA, t0.Add(time.Hour))
		err := s.Finish(ctx, "r-broken", ownerA, 0, invite.Result{Email: "broken@example.com",
			Outcome: invite.Invited, Tester: tester("broken@example.com"), FinishedAt: t0})
		require.ErrorIs(t, err, store.ErrInvalidEntry)
		require.False(t, load(t, s, "r-broken").EmailStates[0].Final())

		require.Empty(t, upcoming(t, s, "C0QA"))
		require.Empty(t, takeDue(t, s, ownerB, t0.Add(400*day)))
	})
}

// Inviting a tester again replaces their end: the new time, the new invite's thread, tried
// afresh; a process removing them at that moment still records what it did.
func TestAReinviteReplacesTheEnd(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		email := "tester@example.com"
		first := invitedFor(t, s, "r-1", email, time.Hour, t0)

		// The first end failed for a while and waits to be tried again.
		taken := takeDue(t, s, ownerB, first.EndsAt)
		require.Len(t, taken, 1)
		failing := taken[0]
		failing.Attempts, failing.Problem = 3, invite.Problem{Kind: invite.Unreachable, Detail: "HTTP 503"}
		require.NoError(t, s.Release(ctx, failing, ownerB, first.EndsAt.Add(time.Hour)))

		again := newRecord("r-2", t0, email)
		again.ChannelID, again.Reply, again.AccessFor, again.UserID = "C0QA", invite.Reply{Channel: "C0OTHER", Thread: "1700000000.000900"}, 2*day, "U0BOB"
		create(t, s, again, ownerA, t0.Add(time.Hour))
		require.NoError(t, s.Finish(ctx, "r-2", ownerA, 0, invite.Result{Email: email, Outcome: invite.AlreadyInvited,
			Tester: tester(email), FinishedAt: t0.Add(30 * time.Minute)}))

		want := first
		want.EndsAt, want.RequestID, want.InvitedBy, want.RequestedBy = t0.Add(30*time.Minute+2*day), "r-2", "U0BOB", ""
		want.ReplyChannel, want.ReplyThread = "C0OTHER", "1700000000.000900"
		require.Equal(t, []expiry.End{want}, upcoming(t, s, "C0QA"), "one end, the new one, tried afresh")
		require.Empty(t, takeDue(t, s, ownerB, want.EndsAt.Add(-time.Millisecond)))
		require.Equal(t, []expiry.End{want}, takeDue(t, s, ownerB, want.EndsAt), "not held back by the old wait")

		// Invited once more while ownerB removes them: ownerB's outcome stands.
		third := newRecord("r-3", t0, email)
		third.AccessFor = 3 * day
		create(t, s, third, ownerA, t0.Add(time.Hour))
		require.NoError(t, s.Finish(ctx, "r-3", ownerA, 0, invite.Result{Email: email, Outcome: invite.AlreadyInvited,
			Tester: tester(email), FinishedAt: want.EndsAt}))
		ended := want
		ended.State, ended.EndedAt = expiry.Ended, want.EndsAt.Add(time.Second)
		require.NoError(t, s.FinishEnd(ctx, ended, ownerB))
	})
}

// Replicas scan at the same moment; each due end must go to exactly one.
func TestConcurrentTakesShareTheDueEndsOut(t *testing.T) {
	t.Parallel()
	storetest.ForEachConfig(t, func(t *testing.T, cfg store.Config) {
		ctx := context.Background()
		const due = 20
		stores := replicas(t, cfg, 4)
		for i := range due {
			invitedFor(t, stores[0], fmt.Sprintf("r-%02d", i), fmt.Sprintf("t%02d@example.com", i), time.Hour, t0.Add(time.Duration(i)*time.Second))
		}
		invitedFor(t, stores[0], "r-later", "later@example.com", 2*time.Hour, t0)

		now := t0.Add(time.Hour + time.Minute)
		taken := scanTogether(t, stores, func(s *store.Store, owner string) ([]expiry.End, error) {
			return s.TakeDue(ctx, owner, now, now.Add(time.Minute), 3)
		})
		var emails []string
		for _, e := range taken {
			emails = append(emails, e.Email)
		}
		require.ElementsMatch(t, numbered("t%02d@example.com", due), emails, "every due end once, nothing else")
	})
}

// A process that lost an end's lease, or never had it, writes nothing.
func TestEndWritesAreFencedByTheLease(t *testing.T) {
	t.Parallel()
	writes := map[string]func(ctx context.Context, s *store.Store, e expiry.End, owner string) error{
		"FinishEnd": func(ctx context.Context, s *store.Store, e expiry.End, owner string) error {
			e.State, e.EndedAt = expiry.Ended, e.EndsAt
			return s.FinishEnd(ctx, e, owner)
		},
		"Release": func(ctx context.Context, s *store.Store, e expiry.End, owner string) error {
			e.Attempts = 1
			return s.Release(ctx, e, owner, e.EndsAt.Add(time.Hour))
		},
	}
	for name, write := range writes {
		for _, takenOver := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s taken over %t", name, takenOver), func(t *testing.T) {
				storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
					ctx := context.Background()
					e := invitedFor(t, s, "r-1", "tester@example.com", time.Hour, t0)
					require.Len(t, takeDue(t, s, ownerA, e.EndsAt), 1)
					writer, leaseEnd := ownerB, e.EndsAt.Add(time.Minute)
					if takenOver {
						require.Len(t, takeDue(t, s, ownerB, leaseEnd.Add(time.Millisecond)), 1)
						writer, leaseEnd = ownerA, leaseEnd.Add(time.Minute+time.Millisecond)
					}

					require.ErrorIs(t, write(ctx, s, e, writer), invite.ErrLeaseLost)

					require.Len(t, auditOf(t, s, "r-1"), 1, "the invite only: the end is not audited")
					require.Empty(t, takeDue(t, s, "p-probe", leaseEnd.Add(-time.Millisecond)), "the lease is neither released nor moved")
					require.Equal(t, []expiry.End{e}, takeDue(t, s, "p-probe", leaseEnd.Add(time.Millisecond)), "nor the end changed")
				})
			})
		}
	}
}

// A finished end is audited once and offered, to whoever holds it, until people were told; then
// never again. Its owner may tell them at once: finishing keeps the lease.
func TestAFinishedEndIsOfferedUntilPostedThenNeverAgain(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, state := range []expiry.State{expiry.Ended, expiry.Gone, expiry.Failed} {
			t.Run(string(state), func(t *testing.T) {
				email := string(state) + "@example.com"
				e := invitedFor(t, s, "r-"+email, email, time.Hour, t0)
				require.Len(t, takeDue(t, s, ownerA, e.EndsAt), 1)
				e.State, e.EndedAt = state, e.EndsAt.Add(time.Second)
				if state == expiry.Failed {
					e.Attempts, e.Problem = 20, invite.Problem{Kind: invite.Unreachable, Detail: "HTTP 503"}
				}
				require.NoError(t, s.FinishEnd(ctx, e, ownerA))
				require.ErrorIs(t, s.FinishEnd(ctx, e, ownerA), invite.ErrLeaseLost, "finished once")

				audit := auditOf(t, s, "r-"+email)
				require.Len(t, audit, 2, "the invite, then its end")
				require.Equal(t, store.Entry{
					At: e.EndedAt, RequestID: "r-" + email, UserID: "U0ALICE", ChannelID: "C0QA", Origin: expiry.Origin,
					StoreID: "store-1", AppID: "app-42", AppName: "Acme iOS", Email: email, Outcome: e.AuditOutcome(),
					OTPUserID: "otp-" + email, Detail: e.AuditDetail(),
				}, audit[0])
				require.Empty(t, upcoming(t, s, "C0QA"), "no longer upcoming")
				ends, err := s.AccessEnds(ctx, "store-1", []string{e.OTPUserID})
				require.NoError(t, err)
				require.Empty(t, ends)

				// The process stopped before telling anyone: the next one is offered the end.
				leaseEnd := e.EndsAt.Add(time.Minute)
				require.Empty(t, takeDue(t, s, ownerB, leaseEnd.Add(-time.Millisecond)))
				require.Equal(t, []expiry.End{e}, takeDue(t, s, ownerB, leaseEnd.Add(time.Millisecond)))
				require.ErrorIs(t, s.MarkPosted(ctx, e.Key, ownerA), invite.ErrLeaseLost, "only by the owner")
				require.NoError(t, s.MarkPosted(ctx, e.Key, ownerB))
				require.ErrorIs(t, s.MarkPosted(ctx, e.Key, ownerB), invite.ErrLeaseLost, "posted once")

				require.Empty(t, takeDue(t, s, "p-probe", e.EndsAt.Add(400*day)), "never offered again")
			})
		}
	})
}

// A failed removal or post waits until the time it was released for, with its attempts and
// problem kept; a released end is anyone's from then on.
func TestAReleasedEndWaitsUntilItsTime(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := invitedFor(t, s, "r-1", "tester@example.com", time.Hour, t0)
		require.Len(t, takeDue(t, s, ownerA, e.EndsAt), 1)
		e.Attempts, e.Problem = 2, invite.Problem{Kind: invite.Unreachable, Detail: "HTTP 503"}
		retry := e.EndsAt.Add(time.Minute)
		require.NoError(t, s.Release(ctx, e, ownerA, retry))

		require.Empty(t, takeDue(t, s, ownerB, retry))
		require.Equal(t, []expiry.End{e}, takeDue(t, s, ownerB, retry.Add(time.Millisecond)))

		e.State, e.EndedAt = expiry.Ended, retry
		require.NoError(t, s.FinishEnd(ctx, e, ownerB))
		e.PostAttempts = 1
		require.NoError(t, s.Release(ctx, e, ownerB, retry.Add(time.Minute)))
		require.Empty(t, takeDue(t, s, ownerA, retry.Add(time.Minute)))
		require.Equal(t, []expiry.End{e}, takeDue(t, s, ownerA, retry.Add(time.Minute+time.Millisecond)), "a post, tried again")
	})
}

// Listings show the scheduled ends of their testers and channels only.
func TestAccessEndsAndUpcomingEndsShowScheduledEnds(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		soon := invitedFor(t, s, "r-soon", "soon@example.com", time.Hour, t0)
		later := invitedFor(t, s, "r-later", "later@example.com", day, t0)
		other := newRecord("r-other", t0, "other@example.com")
		other.ChannelID, other.StoreID, other.AccessFor = "C0OTHER", "store-2", time.Minute
		create(t, s, other, ownerA, t0.Add(time.Hour))
		require.NoError(t, s.Finish(ctx, "r-other", ownerA, 0, invite.Result{Email: "other@example.com",
			Outcome: invite.Invited, Tester: tester("other@example.com"), FinishedAt: t0}))
		done := invitedFor(t, s, "r-done", "done@example.com", time.Minute, t0)
		require.Len(t, takeDue(t, s, ownerA, done.EndsAt), 2, "the two that are due")
		done.State, done.EndedAt = expiry.Ended, done.EndsAt
		require.NoError(t, s.FinishEnd(ctx, done, ownerA))

		require.Equal(t, []expiry.End{soon, later}, upcoming(t, s, "C0QA", "C0NONE"))
		ends, err := s.UpcomingEnds(ctx, []string{"C0QA", "C0OTHER"}, 2)
		require.NoError(t, err)
		require.Len(t, ends, 2, "the limit")
		require.Equal(t, []string{"other@example.com", "soon@example.com"}, []string{ends[0].Email, ends[1].Email}, "soonest first")
		require.Empty(t, upcoming(t, s))

		ids := []string{soon.OTPUserID, later.OTPUserID, done.OTPUserID, "otp-other@example.com"}
		for i := range 600 { // more than one query's worth
			ids = append(ids, fmt.Sprintf("otp-%d", i))
		}
		got, err := s.AccessEnds(ctx, "store-1", ids)
		require.NoError(t, err)
		require.Equal(t, map[string]time.Time{soon.OTPUserID: soon.EndsAt, later.OTPUserID: later.EndsAt}, got)
	})
}
