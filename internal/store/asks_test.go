package store_test

// Asks for testers, as package approval relies on them: an ask round-trips, an address waits in
// one pending ask per app, a pending ask is decided once — with its audit rows and the release
// of its addresses in the same step — and the lists come out in their order.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/internal/approval"
	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/store"
	"github.com/testerbot/testerbot/internal/store/storetest"
	"github.com/testerbot/testerbot/internal/together"
)

// week is how long the sample asks wait for a decision.
const week = 7 * 24 * time.Hour

// newAsk returns a pending ask with every field a new ask has, created at created.
func newAsk(id string, created time.Time, emails ...string) approval.Ask {
	return approval.Ask{
		ID: id, RequesterID: "U0ALICE", ChannelID: "C0QA", StoreID: "store-1", AppID: "app-42",
		AppName: "Acme iOS", Emails: emails, Downloads: 3, AccessFor: 30 * 24 * time.Hour,
		Reason: "the release candidate needs eyes", State: approval.Pending,
		CreatedAt: created, ExpiresAt: created.Add(week),
	}
}

func createAsk(t *testing.T, s *store.Store, a approval.Ask) (*approval.Ask, []string) {
	t.Helper()
	created, err := s.CreateAsk(context.Background(), a)
	require.NoError(t, err)
	return created.Ask, created.Pending
}

func loadAsk(t *testing.T, s *store.Store, id string) *approval.Ask {
	t.Helper()
	a, err := s.LoadAsk(context.Background(), id)
	require.NoError(t, err)
	return a
}

func decideAsk(t *testing.T, s *store.Store, id string, d approval.Decision) (*approval.Ask, bool) {
	t.Helper()
	a, decided, err := s.DecideAsk(context.Background(), id, d)
	require.NoError(t, err)
	return a, decided
}

func ids(asks []approval.Ask) []string {
	out := []string{}
	for _, a := range asks {
		out = append(out, a.ID)
	}
	return out
}

// askRows returns the audit rows of an ask, oldest first, as newest-first Recent reversed.
func askRows(t *testing.T, s *store.Store, askID string) []store.Entry {
	t.Helper()
	rows := auditOf(t, s, askID)
	for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
		rows[i], rows[j] = rows[j], rows[i]
	}
	return rows
}

// askRow is one audit row of the sample ask.
func askRow(askID string, at time.Time, user, email string, outcome invite.Outcome, detail string) store.Entry {
	return store.Entry{
		At: at, RequestID: askID, UserID: user, ChannelID: "C0QA", Origin: "ask", StoreID: "store-1",
		AppID: "app-42", AppName: "Acme iOS", Email: email, Outcome: outcome, Detail: detail,
	}
}

func TestAnAskRoundTripsEveryField(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := newAsk("a-1", t0, "Tester@Example.com", "carol@example.com")
		saved, pending := createAsk(t, s, a)
		require.Equal(t, &a, saved)
		require.Empty(t, pending)
		require.Equal(t, &a, loadAsk(t, s, "a-1"))

		// What the Slack side and the decision add later comes back too.
		require.NoError(t, s.SetAskMessage(ctx, "a-1", approval.Message{Channel: "C0LEADS", TS: "1700000000.000100"}))
		decided, ok := decideAsk(t, s, "a-1", approval.Decision{State: approval.Approved, By: "U0LEAD", At: t0.Add(time.Hour)})
		require.True(t, ok)
		require.NoError(t, s.SetAskRequest(ctx, "a-1", "r-1"))

		a.Message = approval.Message{Channel: "C0LEADS", TS: "1700000000.000100"}
		a.State, a.DecidedBy, a.DecidedAt = approval.Approved, "U0LEAD", t0.Add(time.Hour)
		want := a
		want.RequestID = "r-1"
		require.Equal(t, &want, loadAsk(t, s, "a-1"))
		require.Equal(t, &a, decided, "the ask as decided, before its request was recorded")
	})
}

func TestAnUnknownAskIsNotFound(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, err := s.LoadAsk(ctx, "a-nope")
		require.ErrorIs(t, err, approval.ErrNotFound)
		require.ErrorIs(t, s.SetAskMessage(ctx, "a-nope", approval.Message{Channel: "C0LEADS", TS: "1.2"}), approval.ErrNotFound)
		require.ErrorIs(t, s.SetAskRequest(ctx, "a-nope", "r-1"), approval.ErrNotFound)
		_, _, err = s.DecideAsk(ctx, "a-nope", approval.Decision{State: approval.Denied, By: "U0LEAD", At: t0})
		require.ErrorIs(t, err, approval.ErrNotFound)
	})
}

func TestAnAskLeavesOutTheAddressesPendingInAnotherAskOfTheApp(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		createAsk(t, s, newAsk("a-1", t0, "ann@example.com", "ben@example.com"))

		second := newAsk("a-2", t0.Add(time.Minute), "carol@example.com", "Ann@Example.com", "dave@example.com")
		saved, pending := createAsk(t, s, second)
		require.Equal(t, []string{"Ann@Example.com"}, pending, "whatever the letter case")
		second.Emails = []string{"carol@example.com", "dave@example.com"}
		require.Equal(t, &second, saved)
		require.Equal(t, &second, loadAsk(t, s, "a-2"))
		require.Equal(t, []store.Entry{
			askRow("a-2", t0.Add(time.Minute), "U0ALICE", "carol@example.com", invite.Asked, ""),
			askRow("a-2", t0.Add(time.Minute), "U0ALICE", "dave@example.com", invite.Asked, ""),
		}, askRows(t, s, "a-2"), "one row per address asked for")

		saved, pending = createAsk(t, s, newAsk("a-3", t0.Add(2*time.Minute), "ben@example.com", "carol@example.com"))
		require.Nil(t, saved, "every address is pending elsewhere: no ask")
		require.Equal(t, []string{"ben@example.com", "carol@example.com"}, pending)
		_, err := s.LoadAsk(ctx, "a-3")
		require.ErrorIs(t, err, approval.ErrNotFound)
		require.Empty(t, auditOf(t, s, "a-3"))

		otherApp := newAsk("a-4", t0, "ann@example.com")
		otherApp.AppID = "app-43"
		otherStore := newAsk("a-5", t0, "ann@example.com")
		otherStore.StoreID = "store-2"
		for _, a := range []approval.Ask{otherApp, otherStore} {
			saved, pending := createAsk(t, s, a)
			require.Equal(t, &a, saved, "another app or store is another tester")
			require.Empty(t, pending)
		}
	})
}

func TestADecisionReleasesTheAddressesAndAuditsItWithTheAsk(t *testing.T) {
	t.Parallel()
	cases := map[approval.State]struct {
		decision approval.Decision
		user     string         // whose the decision's audit rows are
		outcome  invite.Outcome // theirs
	}{
		approval.Approved: {approval.Decision{State: approval.Approved, By: "U0LEAD", At: t0.Add(time.Hour)}, "U0LEAD", invite.Approved},
		approval.Denied: {approval.Decision{State: approval.Denied, By: "U0LEAD", At: t0.Add(time.Hour),
			Reason: "not this sprint", Detail: "denied: not this sprint"}, "U0LEAD", invite.Denied},
		approval.Expired: {approval.Decision{State: approval.Expired, At: t0.Add(week),
			Detail: "no QA lead decided within 7 days"}, "U0ALICE", invite.AskExpired},
	}
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		for state, tc := range cases {
			t.Run(string(state), func(t *testing.T) {
				id := "a-" + string(state)
				emails := []string{"ann." + string(state) + "@example.com", "ben." + string(state) + "@example.com"}
				a := newAsk(id, t0, emails...)
				createAsk(t, s, a)
				probe := newAsk(id+"-probe", t0, emails[0])
				saved, _ := createAsk(t, s, probe)
				require.Nil(t, saved, "held while the ask waits")

				got, decided := decideAsk(t, s, id, tc.decision)
				require.True(t, decided)

				want := a
				want.State, want.DecidedBy, want.DecidedAt, want.DenyReason = state, tc.decision.By, tc.decision.At, tc.decision.Reason
				require.Equal(t, &want, got)
				require.Equal(t, &want, loadAsk(t, s, id))
				rows := []store.Entry{
					askRow(id, t0, "U0ALICE", emails[0], invite.Asked, ""),
					askRow(id, t0, "U0ALICE", emails[1], invite.Asked, ""),
				}
				for _, email := range emails {
					rows = append(rows, askRow(id, tc.decision.At, tc.user, email, tc.outcome, tc.decision.Detail))
				}
				require.Equal(t, rows, askRows(t, s, id))
				saved, pending := createAsk(t, s, probe)
				require.Equal(t, &probe, saved, "released with the decision")
				require.Empty(t, pending)
			})
		}
	})
}

// A decided ask takes no other decision: not a second lead's, not an expiry. Nothing changes,
// nothing more is audited, and the caller learns how it was decided.
func TestOnlyAPendingAskIsDecided(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		createAsk(t, s, newAsk("a-1", t0, "ann@example.com"))
		first, decided := decideAsk(t, s, "a-1", approval.Decision{State: approval.Denied, By: "U0LEAD", At: t0.Add(time.Hour), Detail: "denied"})
		require.True(t, decided)
		rows := askRows(t, s, "a-1")
		createAsk(t, s, newAsk("a-2", t0.Add(2*time.Hour), "ann@example.com")) // holds the address now

		for _, d := range []approval.Decision{
			{State: approval.Approved, By: "U0OTHER", At: t0.Add(2 * time.Hour)},
			{State: approval.Denied, By: "U0OTHER", At: t0.Add(2 * time.Hour), Detail: "denied"},
			{State: approval.Expired, At: t0.Add(2 * week), Detail: "no QA lead decided within 7 days"},
		} {
			got, decided := decideAsk(t, s, "a-1", d)
			require.False(t, decided, d.State)
			require.Equal(t, first, got, "the ask as the first decision left it")
		}
		require.Equal(t, first, loadAsk(t, s, "a-1"))
		require.Equal(t, rows, askRows(t, s, "a-1"))
		saved, _ := createAsk(t, s, newAsk("a-3", t0.Add(3*time.Hour), "ann@example.com"))
		require.Nil(t, saved, "a-2's hold on the address is untouched")
	})
}

// From ExpiresAt on, an ask can only expire; before it, it cannot.
func TestExpiresAtSeparatesDecisionsFromExpiry(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		createAsk(t, s, newAsk("a-1", t0, "ann@example.com"))
		due := t0.Add(week)

		_, decided := decideAsk(t, s, "a-1", approval.Decision{State: approval.Expired, At: due.Add(-time.Millisecond)})
		require.False(t, decided, "not due yet")
		for _, d := range []approval.Decision{
			{State: approval.Approved, By: "U0LEAD", At: due},
			{State: approval.Denied, By: "U0LEAD", At: due},
		} {
			got, decided := decideAsk(t, s, "a-1", d)
			require.False(t, decided, "%s at ExpiresAt", d.State)
			require.Equal(t, approval.Pending, got.State)
		}
		require.Len(t, askRows(t, s, "a-1"), 1, "only the asked row")

		got, decided := decideAsk(t, s, "a-1", approval.Decision{State: approval.Expired, At: due})
		require.True(t, decided)
		require.Equal(t, approval.Expired, got.State)
	})
}

func TestDueAsksArePendingAsksPastExpiresAtSoonestFirst(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		now := t0.Add(week + time.Hour)
		for _, a := range []struct {
			id      string
			created time.Time
		}{
			{"a-due-later", t0.Add(time.Hour)},                  // due exactly now
			{"a-not-due", t0.Add(time.Hour + time.Millisecond)}, // a millisecond short
			{"a-due-first", t0},                                 // due an hour ago
			{"a-decided", t0.Add(-time.Hour)},                   // would be the first, but is decided
			{"a-expired", t0.Add(-2 * time.Hour)},               // expired already
			{"a-due-middle", t0.Add(time.Minute)},               // due 59 minutes ago
		} {
			createAsk(t, s, newAsk(a.id, a.created, a.id+"@example.com"))
		}
		decideAsk(t, s, "a-decided", approval.Decision{State: approval.Denied, By: "U0LEAD", At: t0})
		decideAsk(t, s, "a-expired", approval.Decision{State: approval.Expired, At: now})

		due, err := s.DueAsks(context.Background(), now)
		require.NoError(t, err)
		require.Equal(t, []string{"a-due-first", "a-due-middle", "a-due-later"}, ids(due))
		require.Equal(t, loadAsk(t, s, "a-due-first"), &due[0], "whole asks")
	})
}

func TestPendingAsksAreTheUndecidedOnesOldestFirst(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := t0.Add(week + 30*time.Minute)
		for _, a := range []struct {
			id, channel string
			created     time.Time
		}{
			{"a-3", "C0A", t0.Add(3 * time.Hour)},
			{"a-due", "C0A", t0}, // past ExpiresAt: about to expire, not to be decided
			{"a-1", "C0A", t0.Add(time.Hour)},
			{"a-decided", "C0A", t0.Add(90 * time.Minute)},
			{"a-2", "C0B", t0.Add(2 * time.Hour)},
			{"a-4", "C0C", t0.Add(4 * time.Hour)},
		} {
			ask := newAsk(a.id, a.created, a.id+"@example.com")
			ask.ChannelID = a.channel
			createAsk(t, s, ask)
		}
		decideAsk(t, s, "a-decided", approval.Decision{State: approval.Approved, By: "U0LEAD", At: t0.Add(2 * time.Hour)})

		for name, tc := range map[string]struct {
			channels []string
			limit    int
			want     []string
		}{
			"every channel":      {nil, 10, []string{"a-1", "a-2", "a-3", "a-4"}},
			"the first ones":     {nil, 2, []string{"a-1", "a-2"}},
			"some channels":      {[]string{"C0A", "C0C"}, 10, []string{"a-1", "a-3", "a-4"}},
			"one channel":        {[]string{"C0B"}, 10, []string{"a-2"}},
			"no channel":         {[]string{}, 10, []string{}},
			"an unknown channel": {[]string{"C0NONE"}, 10, []string{}},
		} {
			t.Run(name, func(t *testing.T) {
				got, err := s.PendingAsks(ctx, tc.channels, now, tc.limit)
				require.NoError(t, err)
				require.Equal(t, tc.want, ids(got))
			})
		}
	})
}

func TestAsksByAreARequestersAsksNewestFirstInAnyState(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for i, id := range []string{"a-old", "a-denied", "a-new", "a-expired"} {
			createAsk(t, s, newAsk(id, t0.Add(time.Duration(i)*time.Hour), id+"@example.com"))
		}
		other := newAsk("a-bob", t0.Add(time.Hour), "bob@example.com")
		other.RequesterID = "U0BOB"
		createAsk(t, s, other)
		decideAsk(t, s, "a-denied", approval.Decision{State: approval.Denied, By: "U0LEAD", At: t0.Add(5 * time.Hour)})
		decideAsk(t, s, "a-expired", approval.Decision{State: approval.Expired, At: t0.Add(2 * week)})

		got, err := s.AsksBy(ctx, "U0ALICE", 10)
		require.NoError(t, err)
		require.Equal(t, []string{"a-expired", "a-new", "a-denied", "a-old"}, ids(got))
		require.Equal(t, approval.Denied, got[2].State)

		got, err = s.AsksBy(ctx, "U0ALICE", 2)
		require.NoError(t, err)
		require.Equal(t, []string{"a-expired", "a-new"}, ids(got))

		got, err = s.AsksBy(ctx, "U0NOBODY", 10)
		require.NoError(t, err)
		require.Empty(t, got)
	})
}

// Two leads click at once, on two replicas: exactly one decision lands, with its audit rows,
// and both learn the same outcome.
func TestConcurrentDecisionsOnOneAskLetExactlyOneWin(t *testing.T) {
	t.Parallel()
	storetest.ForEachConfig(t, func(t *testing.T, cfg store.Config) {
		stores := replicas(t, cfg, 2)
		const asks = 10
		for i := range asks {
			createAsk(t, stores[0], newAsk(fmt.Sprintf("a-%d", i), t0, fmt.Sprintf("tester-%d@example.com", i)))
		}
		decisions := []approval.Decision{
			{State: approval.Approved, By: "U0LEAD1", At: t0.Add(time.Hour)},
			{State: approval.Denied, By: "U0LEAD2", At: t0.Add(time.Hour), Detail: "denied"},
		}
		for i := range asks {
			id := fmt.Sprintf("a-%d", i)
			type answer struct {
				ask     *approval.Ask
				decided bool
				err     error
			}
			answers := make([]answer, len(decisions))
			together.Run(len(decisions), func(j int) {
				a, decided, err := stores[j].DecideAsk(context.Background(), id, decisions[j])
				answers[j] = answer{a, decided, err}
			})

			winners := 0
			for _, a := range answers {
				require.NoError(t, a.err)
				if a.decided {
					winners++
				}
			}
			require.Equal(t, 1, winners, id)
			final := loadAsk(t, stores[1], id)
			require.Equal(t, final, answers[0].ask, "both learn how it was decided")
			require.Equal(t, final, answers[1].ask)
			rows := askRows(t, stores[0], id)
			require.Len(t, rows, 2, "asked, then the one decision")
			require.Equal(t, final.DecidedBy, rows[1].UserID)
		}
	})
}

// Two people ask at once, on two replicas, for overlapping testers, in different orders: each
// address ends up in exactly one ask, and each ask says which of its addresses it left out.
func TestConcurrentAsksForOneAddressLetOneAskHoldIt(t *testing.T) {
	t.Parallel()
	storetest.ForEachConfig(t, func(t *testing.T, cfg store.Config) {
		stores := replicas(t, cfg, 2)
		emails := [][]string{
			{"ann@example.com", "ben@example.com", "carol@example.com"},
			{"carol@example.com", "Ben@Example.com", "ann@example.com"},
			{"ann@example.com"},
			{"BEN@example.com", "dave@example.com"},
		}
		type answer struct {
			saved   *approval.Ask
			pending []string
			err     error
		}
		answers := make([]answer, len(emails))
		together.Run(len(emails), func(i int) {
			created, err := stores[i%2].CreateAsk(context.Background(), newAsk(fmt.Sprintf("a-%d", i), t0, emails[i]...))
			answers[i] = answer{created.Ask, created.Pending, err}
		})

		holders := map[string]int{}
		for i, a := range answers {
			require.NoError(t, a.err)
			var kept []string
			if a.saved != nil {
				kept = a.saved.Emails
				require.Equal(t, a.saved, loadAsk(t, stores[0], a.saved.ID))
			}
			require.ElementsMatch(t, emails[i], append(append([]string{}, kept...), a.pending...),
				"every address asked for is either kept or said to be pending elsewhere")
			for _, e := range kept {
				holders[strings.ToLower(e)]++
			}
		}
		require.Equal(t, map[string]int{"ann@example.com": 1, "ben@example.com": 1, "carol@example.com": 1, "dave@example.com": 1}, holders)
	})
}

// Someone else asking for an address already waiting joins the ask that holds it, once, with an
// audit row per address; the same person asking again joins nothing.
func TestAnotherPersonAskingForAWaitingAddressJoinsItsAsk(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		createAsk(t, s, newAsk("a-1", t0, "ann@example.com", "ben@example.com"))

		mine := newAsk("a-2", t0.Add(time.Minute), "ann@example.com")
		created, err := s.CreateAsk(ctx, mine)
		require.NoError(t, err)
		require.Nil(t, created.Ask)
		require.Empty(t, created.Joined, "the same person asking again joins nothing")

		bob := newAsk("a-3", t0.Add(2*time.Minute), "Ben@Example.com", "carol@example.com")
		bob.RequesterID = "U0BOB"
		for range 2 {
			created, err = s.CreateAsk(ctx, bob)
			require.NoError(t, err)
			bob.ID = "a-4" // asking again the same
		}
		require.Len(t, created.Joined, 1)
		assert.Equal(t, "a-1", created.Joined[0].ID)
		assert.Equal(t, []string{"U0BOB"}, created.Joined[0].AlsoAskedBy, "joined once")
		assert.Equal(t, []string{"U0BOB"}, loadAsk(t, s, "a-1").AlsoAskedBy)
		pending, err := s.PendingAsks(ctx, nil, t0, 10)
		require.NoError(t, err)
		require.Len(t, pending, 2)
		assert.Equal(t, []string{"U0BOB"}, pending[0].AlsoAskedBy)
		assert.Contains(t, askRows(t, s, "a-1"), askRow("a-1", t0.Add(2*time.Minute), "U0BOB", "Ben@Example.com", invite.Asked, "joined the waiting request"))

		n, err := s.CountPendingAsks(ctx, "U0BOB", t0)
		require.NoError(t, err)
		assert.Equal(t, 1, n, "a joined ask is not Bob's own")
		n, err = s.CountPendingAsks(ctx, "U0ALICE", t0.Add(week))
		require.NoError(t, err)
		assert.Zero(t, n, "an ask due to expire is no longer waiting")
	})
}
