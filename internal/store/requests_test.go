package store_test

// The durable side of invites, as package invite relies on it: requests and their emails
// round-trip, every write that continues a request is fenced by its lease, claims keep two
// requests off one address, and take-overs share expired requests out exactly once.

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for a session of our own
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/store"
	"github.com/testerbot/testerbot/internal/store/storetest"
	"github.com/testerbot/testerbot/internal/together"
)

// Lease owners, as processes name themselves.
const ownerA, ownerB = "p-a", "p-b"

// t0 is when the sample requests are created; instants are whole milliseconds, as stored.
var t0 = at(0)

// newRecord returns a request with every field set and its emails pending, created at created.
func newRecord(id string, created time.Time, emails ...string) *invite.Record {
	rec := &invite.Record{
		Request: invite.Request{
			ID: id, UserID: "U0ALICE", ChannelID: "C0QA", Origin: "modal",
			StoreID: "store-1", AppID: "app-42", AppName: "Acme iOS",
			Emails: emails, Downloads: 3, Domains: []string{"example.com", "example.org"},
			Reply: invite.Reply{Channel: "C0REPLY", Thread: "1700000000.000100", Note: "Acme iOS (App Store)"},
		},
		CreatedAt: created,
	}
	for i, e := range emails {
		rec.EmailStates = append(rec.EmailStates, invite.EmailState{Position: i, Result: invite.Result{Email: e}})
	}
	return rec
}

// tester is an OTP user with every field set.
func tester(email string) *applivery.OTPUser {
	login := t0.Add(-time.Hour + 123456789*time.Nanosecond)
	return &applivery.OTPUser{
		ID: "otp-" + email, Email: email, AllowedDownloadsNum: 3, PublishedApplicationID: "app-42",
		OrganizationID: "org-1", StoreID: "store-1", CreatedAt: t0.Add(-48 * time.Hour),
		UpdatedAt: t0.Add(-2 * time.Hour), LastLoginAt: &login,
	}
}

func keyOf(email string) invite.ClaimKey {
	return invite.ClaimKey{StoreID: "store-1", AppID: "app-42", EmailKey: email}
}

func create(t *testing.T, s *store.Store, rec *invite.Record, owner string, leaseUntil time.Time) {
	t.Helper()
	require.NoError(t, s.CreateRequest(context.Background(), rec, owner, leaseUntil))
}

func load(t *testing.T, s *store.Store, id string) *invite.Record {
	t.Helper()
	rec, err := s.LoadRequest(context.Background(), id)
	require.NoError(t, err)
	return rec
}

// auditOf returns the audit rows of one request, newest first, with their ids cleared.
func auditOf(t *testing.T, s *store.Store, requestID string) []store.Entry {
	t.Helper()
	all, err := s.Recent(context.Background(), store.Query{Limit: store.MaxLimit})
	require.NoError(t, err)
	var out []store.Entry
	for _, e := range all {
		if e.RequestID == requestID {
			e.ID = 0
			out = append(out, e)
		}
	}
	return out
}

func claim(t *testing.T, s *store.Store, c invite.Claim) (invite.Claim, bool) {
	t.Helper()
	holder, won, err := s.Claim(context.Background(), c)
	require.NoError(t, err)
	return holder, won
}

// takeOver takes, for owner, every request whose lease has expired by now.
func takeOver(t *testing.T, s *store.Store, owner string, now time.Time) []invite.TakenOver {
	t.Helper()
	taken, err := s.TakeOver(context.Background(), owner, now, now.Add(time.Minute), 100)
	require.NoError(t, err)
	return taken
}

func TestARequestRoundTripsEveryField(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		rec := newRecord("r-1", t0, "Tester@Example.com", "not-an-email", "carol@example.com", "dave@example.com")
		refused := invite.Result{Email: "not-an-email", Outcome: invite.Refused,
			Problem: invite.Problem{Kind: invite.BadAddress, Detail: "no @ sign"}, FinishedAt: t0}
		rec.EmailStates[1].Result = refused
		create(t, s, rec, ownerA, t0.Add(time.Minute))

		want := *rec
		want.State = invite.Running
		require.Equal(t, &want, load(t, s, "r-1"))

		// What the run adds later comes back too.
		invited := invite.Result{Email: "Tester@Example.com", Outcome: invite.Invited,
			Tester: tester("tester@example.com"), Recovered: true, FinishedAt: t0.Add(3 * time.Second)}
		failed := invite.Result{Email: "carol@example.com", Outcome: invite.Failed,
			Problem: invite.Problem{Kind: invite.Rejected, Detail: "email not valid"}, ErrorCode: 5004,
			FinishedAt: t0.Add(4 * time.Second)}
		already := invite.Result{Email: "dave@example.com", Outcome: invite.AlreadyInvited,
			Tester: tester("dave@example.com"), InvitedBy: "U0BOB", FinishedAt: t0.Add(5 * time.Second)}
		require.NoError(t, s.SetParent(ctx, "r-1", ownerA, "C0REPLY/1700000000.000200"))
		require.NoError(t, s.MarkSending(ctx, "r-1", ownerA, 0, t0.Add(time.Second)))
		require.NoError(t, s.MarkSending(ctx, "r-1", ownerA, 0, t0.Add(2*time.Second)))
		require.NoError(t, s.Finish(ctx, "r-1", ownerA, 0, invited))
		require.NoError(t, s.Finish(ctx, "r-1", ownerA, 2, failed))
		require.NoError(t, s.Finish(ctx, "r-1", ownerA, 3, already))
		require.NoError(t, s.SetDelivered(ctx, "r-1", ownerA, 2))

		want.ParentRef, want.Delivered = "C0REPLY/1700000000.000200", 2
		want.EmailStates = []invite.EmailState{
			{Position: 0, Result: invited, SentAt: t0.Add(2 * time.Second), Attempts: 2},
			{Position: 1, Result: refused},
			{Position: 2, Result: failed},
			{Position: 3, Result: already},
		}
		require.Equal(t, &want, load(t, s, "r-1"))
	})
}

func TestLoadRequestFailsForAnUnknownID(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		_, err := s.LoadRequest(context.Background(), "r-nope")
		require.Error(t, err)
	})
}

// A request id chosen by the caller (one per approved ask) is saved once: a second save, from
// any process, changes nothing and says so.
func TestARequestIDIsSavedOnce(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		first := newRecord("r-1", t0, "tester@example.com")
		create(t, s, first, ownerA, t0.Add(time.Minute))

		again := newRecord("r-1", t0.Add(time.Second), "other@example.com")
		again.EmailStates[0].Result = invite.Result{Email: "other@example.com", Outcome: invite.Refused, FinishedAt: t0}
		err := s.CreateRequest(context.Background(), again, ownerB, t0.Add(time.Hour))
		require.ErrorIs(t, err, invite.ErrRequestExists)

		rec := load(t, s, "r-1")
		require.Equal(t, []string{"tester@example.com"}, rec.Emails, "the first save stands")
		require.Empty(t, auditOf(t, s, "r-1"), "the second save wrote no audit row")
	})
}

// The audit log shows a refusal as soon as the request is saved, before anything is sent.
func TestCreateRequestAuditsTheEmailsAlreadyFinalOnly(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		rec := newRecord("r-1", t0, "tester@example.com", "not-an-email")
		rec.EmailStates[1].Result = invite.Result{Email: "not-an-email", Outcome: invite.Refused,
			Problem: invite.Problem{Kind: invite.BadAddress, Detail: "no @ sign"}, FinishedAt: t0}
		create(t, s, rec, ownerA, t0.Add(time.Minute))

		require.Equal(t, []store.Entry{{
			At: t0, RequestID: "r-1", UserID: "U0ALICE", ChannelID: "C0QA", Origin: "modal",
			StoreID: "store-1", AppID: "app-42", AppName: "Acme iOS", Email: "not-an-email",
			Outcome: invite.Refused, Detail: "bad_address: no @ sign",
		}}, auditOf(t, s, "r-1"))
	})
}

func TestFinishAuditsTheOutcomeAndReleasesTheClaimAtOnce(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		email string // each case invites its own address
		res   invite.Result
		want  store.Entry // beyond what every row of the request carries
	}{
		"invited": {
			"Ann@Example.com",
			invite.Result{Outcome: invite.Invited, Tester: tester("x")},
			store.Entry{Outcome: invite.Invited, OTPUserID: "otp-x"},
		},
		"invited although the answer was lost": {
			"Bob@Example.com",
			invite.Result{Outcome: invite.Invited, Tester: tester("x"), Recovered: true},
			store.Entry{Outcome: invite.Invited, OTPUserID: "otp-x", Detail: "created although the answer to the create was lost"},
		},
		"already invited by another request": {
			"Carol@Example.com",
			invite.Result{Outcome: invite.AlreadyInvited, Tester: tester("x"), InvitedBy: "U0BOB"},
			store.Entry{Outcome: invite.AlreadyInvited, OTPUserID: "otp-x", Detail: "invited moments before by U0BOB"},
		},
		"failed": {
			"Dave@Example.com",
			invite.Result{Outcome: invite.Failed, Problem: invite.Problem{Kind: invite.Rejected, Detail: "email not valid"}, ErrorCode: 5004},
			store.Entry{Outcome: invite.Failed, ErrorCode: 5004, Detail: "rejected: email not valid"},
		},
	}
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for name, tc := range cases {
			t.Run(name, func(t *testing.T) {
				id, key := "r-"+name, keyOf(strings.ToLower(tc.email)) // claimed as the run does, lower-cased
				create(t, s, newRecord(id, t0, tc.email), ownerA, t0.Add(time.Minute))
				_, won := claim(t, s, invite.Claim{ClaimKey: key, RequestID: id, UserID: "U0ALICE"})
				require.True(t, won)
				other := invite.Claim{ClaimKey: key, RequestID: "r-other", UserID: "U0BOB"}
				_, won = claim(t, s, other)
				require.False(t, won, "held while the email is being invited")

				res := tc.res
				res.Email, res.FinishedAt = tc.email, t0.Add(time.Second)
				require.NoError(t, s.Finish(ctx, id, ownerA, 0, res))

				want := tc.want
				want.At, want.RequestID, want.UserID, want.ChannelID, want.Origin = res.FinishedAt, id, "U0ALICE", "C0QA", "modal"
				want.StoreID, want.AppID, want.AppName, want.Email = "store-1", "app-42", "Acme iOS", tc.email
				require.Equal(t, []store.Entry{want}, auditOf(t, s, id))
				require.Equal(t, res, load(t, s, id).EmailStates[0].Result)
				holder, won := claim(t, s, other)
				require.True(t, won, "released with the outcome")
				require.Equal(t, other, holder)
			})
		}
	})
}

// A process that lost its lease, or never had it, must not write anything: not the request's
// progress, not an outcome (with its audit row and claim release), not the lease itself.
func TestFencedWritesFailWithLeaseLostAndChangeNothing(t *testing.T) {
	t.Parallel()
	writes := map[string]func(ctx context.Context, s *store.Store, id, owner string) error{
		"SetParent": func(ctx context.Context, s *store.Store, id, owner string) error {
			return s.SetParent(ctx, id, owner, "C0REPLY/1700000000.000200")
		},
		"SetDelivered": func(ctx context.Context, s *store.Store, id, owner string) error {
			return s.SetDelivered(ctx, id, owner, 1)
		},
		"MarkSending": func(ctx context.Context, s *store.Store, id, owner string) error {
			return s.MarkSending(ctx, id, owner, 0, t0.Add(time.Second))
		},
		"Finish": func(ctx context.Context, s *store.Store, id, owner string) error {
			return s.Finish(ctx, id, owner, 0, invite.Result{Email: "tester@example.com", Outcome: invite.Invited,
				Tester: tester("tester@example.com"), FinishedAt: t0.Add(time.Second)})
		},
		"RenewLease": func(ctx context.Context, s *store.Store, id, owner string) error {
			return s.RenewLease(ctx, id, owner, t0.Add(time.Hour))
		},
		"ReleaseLease": func(ctx context.Context, s *store.Store, id, owner string) error {
			return s.ReleaseLease(ctx, id, owner)
		},
		"CloseRequest": func(ctx context.Context, s *store.Store, id, owner string) error {
			return s.CloseRequest(ctx, id, owner, invite.Done)
		},
	}
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for name, write := range writes {
			for _, takenOver := range []bool{false, true} {
				// Each case has its own request and, through its app, its own claim.
				id := fmt.Sprintf("r-%s-%t", name, takenOver)
				rec := newRecord(id, t0, "tester@example.com")
				rec.AppID = id
				key := invite.ClaimKey{StoreID: "store-1", AppID: id, EmailKey: "tester@example.com"}
				scenario := map[bool]string{false: " by another owner", true: " after a take-over"}[takenOver]

				t.Run(name+scenario, func(t *testing.T) {
					create(t, s, rec, ownerA, t0.Add(time.Minute))
					_, won := claim(t, s, invite.Claim{ClaimKey: key, RequestID: id, UserID: "U0ALICE"})
					require.True(t, won)
					writer, holder, leaseEnd := ownerB, ownerA, t0.Add(time.Minute)
					if takenOver {
						require.Contains(t, takeOver(t, s, ownerB, t0.Add(2*time.Minute)), invite.TakenOver{ID: id, PrevOwner: ownerA})
						writer, holder, leaseEnd = ownerA, ownerB, t0.Add(3*time.Minute)
					}
					before := load(t, s, id)

					require.ErrorIs(t, write(ctx, s, id, writer), invite.ErrLeaseLost)

					require.Equal(t, before, load(t, s, id))
					require.Empty(t, auditOf(t, s, id))
					holderClaim, won := claim(t, s, invite.Claim{ClaimKey: key, RequestID: "r-other", UserID: "U0BOB"})
					require.False(t, won, "the claim is kept")
					require.Equal(t, id, holderClaim.RequestID)
					require.NotContains(t, takeOver(t, s, "p-probe", leaseEnd), invite.TakenOver{ID: id, PrevOwner: holder},
						"the lease is neither released nor moved")
					require.Contains(t, takeOver(t, s, "p-probe", leaseEnd.Add(time.Millisecond)), invite.TakenOver{ID: id, PrevOwner: holder},
						"nor renewed")

					require.NoError(t, write(ctx, s, id, "p-probe"), "the holder's own write goes through")
				})
			}
		}
	})
}

func TestSetDeliveredNeverGoesBack(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		create(t, s, newRecord("r-1", t0, "a@example.com", "b@example.com", "c@example.com"), ownerA, t0.Add(time.Minute))
		require.NoError(t, s.SetDelivered(ctx, "r-1", ownerA, 2))
		require.NoError(t, s.SetDelivered(ctx, "r-1", ownerA, 2), "the same count again is fine")

		_ = s.SetDelivered(ctx, "r-1", ownerA, 1) // what it answers is not the point: the count stays
		require.Equal(t, 2, load(t, s, "r-1").Delivered)
	})
}

// An outcome is written once: a second Finish (a stale run, say) neither overwrites it nor
// audits it again, and no create is marked as sent for it.
func TestAFinalEmailTakesNoMoreWrites(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		create(t, s, newRecord("r-1", t0, "tester@example.com"), ownerA, t0.Add(time.Minute))
		first := invite.Result{Email: "tester@example.com", Outcome: invite.Invited, Tester: tester("tester@example.com"), FinishedAt: t0.Add(time.Second)}
		require.NoError(t, s.Finish(ctx, "r-1", ownerA, 0, first))
		before := load(t, s, "r-1")

		again := invite.Result{Email: "tester@example.com", Outcome: invite.Failed,
			Problem: invite.Problem{Kind: invite.Unreachable, Detail: "timeout"}, FinishedAt: t0.Add(2 * time.Second)}
		require.ErrorIs(t, s.Finish(ctx, "r-1", ownerA, 0, again), invite.ErrLeaseLost)
		require.ErrorIs(t, s.MarkSending(ctx, "r-1", ownerA, 0, t0.Add(3*time.Second)), invite.ErrLeaseLost)

		require.Equal(t, before, load(t, s, "r-1"))
		require.Len(t, auditOf(t, s, "r-1"), 1)
	})
}

func TestClosingARequestReleasesItsClaimsAndEndsItForGood(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, state := range []invite.RequestState{invite.Done, invite.Abandoned} {
			t.Run(string(state), func(t *testing.T) {
				id := "r-" + string(state)
				rec := newRecord(id, t0, "a@example.com", "b@example.com")
				rec.AppID = id
				create(t, s, rec, ownerA, t0.Add(time.Minute))
				var keys []invite.ClaimKey
				for _, email := range rec.Emails {
					key := invite.ClaimKey{StoreID: "store-1", AppID: id, EmailKey: email}
					_, won := claim(t, s, invite.Claim{ClaimKey: key, RequestID: id, UserID: "U0ALICE"})
					require.True(t, won)
					keys = append(keys, key)
				}

				require.NoError(t, s.CloseRequest(ctx, id, ownerA, state))

				require.Equal(t, state, load(t, s, id).State)
				for _, key := range keys {
					_, won := claim(t, s, invite.Claim{ClaimKey: key, RequestID: "r-other", UserID: "U0BOB"})
					require.True(t, won, "released: %s", key.EmailKey)
				}
				require.NotContains(t, takeOver(t, s, ownerB, t0.Add(time.Hour)), invite.TakenOver{ID: id, PrevOwner: ownerA},
					"a closed request is never taken over")
				require.ErrorIs(t, s.RenewLease(ctx, id, ownerA, t0.Add(time.Hour)), invite.ErrLeaseLost,
					"nor continued by its owner")
			})
		}
	})
}

func TestClaimGoesToTheFirstRequestAndBackToIt(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		key := keyOf("tester@example.com")
		alice := invite.Claim{ClaimKey: key, RequestID: "r-alice", UserID: "U0ALICE"}
		bob := invite.Claim{ClaimKey: key, RequestID: "r-bob", UserID: "U0BOB"}

		holder, won := claim(t, s, alice)
		require.True(t, won)
		require.Equal(t, alice, holder)

		holder, won = claim(t, s, bob)
		require.False(t, won)
		require.Equal(t, alice, holder, "the second request learns who holds it")

		holder, won = claim(t, s, alice)
		require.True(t, won, "a resumed request wins its own claim again")
		require.Equal(t, alice, holder)

		for name, other := range map[string]invite.ClaimKey{
			"another store":   {StoreID: "store-2", AppID: key.AppID, EmailKey: key.EmailKey},
			"another app":     {StoreID: key.StoreID, AppID: "app-43", EmailKey: key.EmailKey},
			"another address": {StoreID: key.StoreID, AppID: key.AppID, EmailKey: "other@example.com"},
		} {
			c := invite.Claim{ClaimKey: other, RequestID: "r-bob", UserID: "U0BOB"}
			holder, won := claim(t, s, c)
			require.True(t, won, name)
			require.Equal(t, c, holder, name)
		}
	})
}

func TestLatestInviteIsTheNewestInviteOfTheAddressInTheApp(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		finished := func(id, userID string, key invite.ClaimKey, res invite.Result) {
			rec := newRecord(id, t0, res.Email)
			rec.UserID, rec.StoreID, rec.AppID = userID, key.StoreID, key.AppID
			create(t, s, rec, ownerA, t0.Add(time.Hour))
			require.NoError(t, s.Finish(ctx, id, ownerA, 0, res))
		}
		key := keyOf("tester@example.com")
		invited := func(email string, minute int) invite.Result {
			return invite.Result{Email: email, Outcome: invite.Invited, Tester: tester(email), FinishedAt: at(minute)}
		}
		newest := invite.Result{Email: "Tester@Example.com", Outcome: invite.AlreadyInvited,
			Tester: tester("tester@example.com"), FinishedAt: at(5)}

		finished("r-older", "U0OLD", key, invited("tester@example.com", 1))
		finished("r-old", "U0ANN", key, invited("tester@example.com", 3))
		finished("r-newest", "U0BOB", key, newest)
		finished("r-failed", "U0FAIL", key, invite.Result{Email: "tester@example.com", Outcome: invite.Failed,
			Problem: invite.Problem{Kind: invite.Unreachable}, FinishedAt: at(7)})
		refused := newRecord("r-refused", t0, "tester@example.com")
		refused.EmailStates[0].Result = invite.Result{Email: "tester@example.com", Outcome: invite.Refused,
			Problem: invite.Problem{Kind: invite.DomainNotAllowed}, FinishedAt: at(8)}
		create(t, s, refused, ownerA, t0.Add(time.Hour))
		finished("r-other-app", "U0APP", invite.ClaimKey{StoreID: "store-1", AppID: "app-43"}, invited("tester@example.com", 9))
		finished("r-other-store", "U0STORE", invite.ClaimKey{StoreID: "store-2", AppID: "app-42"}, invited("tester@example.com", 9))
		create(t, s, newRecord("r-pending", t0, "tester@example.com"), ownerA, t0.Add(time.Hour))

		for name, tc := range map[string]struct {
			key   invite.ClaimKey
			since time.Time
			want  *invite.Result
			by    string
		}{
			"since before them all": {key, at(0), &newest, "U0BOB"},
			"since the newest":      {key, at(5), &newest, "U0BOB"},
			"since after it":        {key, at(5).Add(time.Millisecond), nil, ""},
			"another address":       {keyOf("other@example.com"), at(0), nil, ""},
		} {
			t.Run(name, func(t *testing.T) {
				got, by, err := s.LatestInvite(ctx, tc.key, tc.since)
				require.NoError(t, err)
				require.Equal(t, tc.want, got)
				require.Equal(t, tc.by, by)
			})
		}
	})
}

func TestTakeOverTakesExpiredLeasesOldestFirst(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := t0.Add(time.Hour)
		for _, r := range []struct {
			id, owner string
			created   time.Time
			until     time.Time
		}{
			{"r-3", "p-c", t0.Add(3 * time.Second), now.Add(-time.Millisecond)},
			{"r-live", "p-d", t0, now.Add(time.Second)},
			{"r-1", "p-a", t0.Add(time.Second), now.Add(-time.Minute)},
			{"r-2", "p-b", t0.Add(2 * time.Second), now.Add(-time.Second)},
			{"r-done", "p-e", t0.Add(-time.Second), now.Add(-time.Minute)},
		} {
			create(t, s, newRecord(r.id, r.created), r.owner, r.until)
		}
		require.NoError(t, s.CloseRequest(ctx, "r-done", "p-e", invite.Done)) // the oldest, but finished

		taken, err := s.TakeOver(ctx, "p-new", now, now.Add(time.Minute), 2)
		require.NoError(t, err)
		require.Equal(t, []invite.TakenOver{{ID: "r-1", PrevOwner: "p-a"}, {ID: "r-2", PrevOwner: "p-b"}}, taken)

		taken, err = s.TakeOver(ctx, "p-new", now, now.Add(time.Minute), 2)
		require.NoError(t, err)
		require.Equal(t, []invite.TakenOver{{ID: "r-3", PrevOwner: "p-c"}}, taken)

		require.Empty(t, takeOver(t, s, "p-newer", now), "the new leases hold, and r-live's has not expired")
		require.Equal(t, []invite.TakenOver{{ID: "r-live", PrevOwner: "p-d"}}, takeOver(t, s, "p-newer", now.Add(2*time.Second)))
	})
}

func TestRenewAndReleaseMoveTheLeaseEnd(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := t0.Add(time.Hour)
		create(t, s, newRecord("r-late", t0), ownerA, now.Add(-time.Second))
		create(t, s, newRecord("r-quitting", t0), ownerA, now.Add(time.Hour))

		// A lease that expired unseen is still its owner's until someone takes it over.
		require.NoError(t, s.RenewLease(ctx, "r-late", ownerA, now.Add(time.Minute)))
		require.NoError(t, s.ReleaseLease(ctx, "r-quitting", ownerA))

		require.Equal(t, []invite.TakenOver{{ID: "r-quitting", PrevOwner: ownerA}}, takeOver(t, s, ownerB, now),
			"a released request is taken at once, a renewed one not")
	})
}

// Replicas scan for expired leases at the same moment; each request must go to exactly one.
func TestConcurrentTakeOversShareTheExpiredRequestsOut(t *testing.T) {
	t.Parallel()
	storetest.ForEachConfig(t, func(t *testing.T, cfg store.Config) {
		ctx := context.Background()
		const expired = 20
		stores := replicas(t, cfg, 4)
		for i := range expired {
			create(t, stores[0], newRecord(fmt.Sprintf("r-%02d", i), t0.Add(time.Duration(i)*time.Second)), "p-dead", t0.Add(time.Minute))
		}
		create(t, stores[0], newRecord("r-live", t0), "p-alive", t0.Add(time.Hour))
		create(t, stores[0], newRecord("r-done", t0), "p-dead", t0.Add(time.Minute))
		require.NoError(t, stores[0].CloseRequest(ctx, "r-done", "p-dead", invite.Done))

		now := t0.Add(2 * time.Minute)
		taken := scanTogether(t, stores, func(s *store.Store, owner string) ([]invite.TakenOver, error) {
			return s.TakeOver(ctx, owner, now, now.Add(time.Minute), 3)
		})
		var ids []string
		for _, tk := range taken {
			require.Equal(t, "p-dead", tk.PrevOwner)
			ids = append(ids, tk.ID)
		}
		require.ElementsMatch(t, numbered("r-%02d", expired), ids, "every expired request once, nothing else")
	})
}

// Slack may deliver one envelope twice, to two replicas at once; exactly one handles it.
func TestFirstToHandleIsTrueOncePerIDAcrossProcesses(t *testing.T) {
	t.Parallel()
	storetest.ForEachConfig(t, func(t *testing.T, cfg store.Config) {
		ctx := context.Background()
		stores := replicas(t, cfg, 2)
		type answer struct {
			first bool
			err   error
		}
		answers := make([]answer, 8)
		together.Run(len(answers), func(i int) {
			first, err := stores[i%2].FirstToHandle(ctx, "env-1")
			answers[i] = answer{first, err}
		})
		firsts := 0
		for _, a := range answers {
			require.NoError(t, a.err)
			if a.first {
				firsts++
			}
		}
		require.Equal(t, 1, firsts)

		for _, s := range stores {
			first, err := s.FirstToHandle(ctx, "env-1")
			require.NoError(t, err)
			require.False(t, first, "handled already")
		}
		first, err := stores[1].FirstToHandle(ctx, "env-2")
		require.NoError(t, err)
		require.True(t, first, "another id is new")
	})
}

func TestRecordRemovalWritesARemovedAuditRow(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		r := invite.Removal{
			RequestID: "r-rm", UserID: "U0LEAD", ChannelID: "C0QA", Origin: "button",
			StoreID: "store-1", AppID: "app-42", AppName: "Acme iOS",
			Email: "tester@example.com", OTPUserID: "otp-7", Detail: "left the company",
		}
		before := time.Now()
		require.NoError(t, s.RecordRemoval(context.Background(), r))
		after := time.Now()

		got := auditOf(t, s, "r-rm")
		require.Len(t, got, 1)
		require.WithinRange(t, got[0].At, before, after)
		require.Equal(t, store.Entry{
			At: got[0].At, RequestID: "r-rm", UserID: "U0LEAD", ChannelID: "C0QA", Origin: "button",
			StoreID: "store-1", AppID: "app-42", AppName: "Acme iOS", Email: "tester@example.com",
			Outcome: invite.Removed, OTPUserID: "otp-7", Detail: "left the company",
		}, got[0])
	})
}

// A write that passed its lease check as a take-over began must either land before the take-over,
// where the new owner sees it, or fail: landing unseen, it would make the new owner repeat a
// create or loop on an email it cannot finish. The race only exists in PostgreSQL, where
// transactions interleave; another session holds the email's row so that the old owner's write
// stalls there while the take-over runs.
func TestAWriteStalledByATakeOverLandsBeforeItOrNotAtAll(t *testing.T) {
	t.Parallel()
	writes := map[string]struct {
		write  func(ctx context.Context, s *store.Store, id string) error
		landed func(e invite.EmailState) bool
	}{
		"MarkSending": {
			func(ctx context.Context, s *store.Store, id string) error {
				return s.MarkSending(ctx, id, ownerA, 0, t0.Add(time.Second))
			},
			func(e invite.EmailState) bool { return e.Attempts == 1 },
		},
		"Finish": {
			func(ctx context.Context, s *store.Store, id string) error {
				return s.Finish(ctx, id, ownerA, 0, invite.Result{Email: "tester@example.com", Outcome: invite.Invited,
					Tester: tester("tester@example.com"), FinishedAt: t0.Add(time.Second)})
			},
			func(e invite.EmailState) bool { return e.Final() },
		},
	}
	for name, w := range writes {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			cfg := storetest.Postgres(t)
			old, taker := storetest.Open(t, cfg), storetest.Open(t, cfg)
			other, err := sql.Open("pgx", cfg.PostgresURL)
			require.NoError(t, err)
			t.Cleanup(func() { other.Close() })
			create(t, old, newRecord("r-1", t0, "tester@example.com"), ownerA, t0.Add(time.Minute))

			hold, err := other.BeginTx(ctx, nil)
			require.NoError(t, err)
			defer hold.Rollback() //nolint:errcheck // no-op once released
			_, err = hold.ExecContext(ctx, `SELECT 1 FROM invite_emails WHERE request_id = 'r-1' FOR UPDATE`)
			require.NoError(t, err)

			wrote := make(chan error, 1)
			go func() { wrote <- w.write(ctx, old, "r-1") }()
			waitForLockWaiters(t, other, 1)

			type view struct {
				taken []invite.TakenOver
				rec   *invite.Record
				err   error
			}
			took := make(chan view, 1)
			go func() {
				v := view{}
				v.taken, v.err = taker.TakeOver(ctx, ownerB, t0.Add(2*time.Minute), t0.Add(3*time.Minute), 10)
				if v.err == nil {
					v.rec, v.err = taker.LoadRequest(ctx, "r-1")
				}
				took <- v
			}()
			// Let the take-over finish, or queue behind the stalled write, before the write goes on.
			require.Eventually(t, func() bool { return len(took) == 1 || lockWaiters(t, other) == 2 }, 10*time.Second, time.Millisecond)
			require.NoError(t, hold.Rollback())

			writeErr := <-wrote
			v := <-took
			require.NoError(t, v.err)
			require.Equal(t, []invite.TakenOver{{ID: "r-1", PrevOwner: ownerA}}, v.taken)
			if writeErr == nil {
				require.True(t, w.landed(v.rec.EmailStates[0]), "the write landed unseen by the owner that took the request over")
			} else {
				require.ErrorIs(t, writeErr, invite.ErrLeaseLost)
				require.False(t, w.landed(load(t, taker, "r-1").EmailStates[0]))
			}
		})
	}
}

// lockWaiters counts the sessions of db's database waiting for a lock. It asserts rather than
// requires: require.Eventually calls it from another goroutine.
func lockWaiters(t *testing.T, db *sql.DB) int {
	var n int
	err := db.QueryRow(`SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n)
	assert.NoError(t, err)
	return n
}

func waitForLockWaiters(t *testing.T, db *sql.DB, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return lockWaiters(t, db) == n }, 10*time.Second, time.Millisecond)
}

// How long access lasts and for whom a lead invited come back with the request; each email's
// access end is loaded back with its outcome, and the audit log says both.
func TestAccessAndRequesterRoundTripAndAreAudited(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		rec := newRecord("r-1", t0, "tester@example.com", "carol@example.com", "dave@example.com")
		rec.AccessFor, rec.RequestedBy = 14*24*time.Hour, "U0ASKER"
		create(t, s, rec, ownerA, t0.Add(time.Minute))

		invited := invite.Result{Email: "tester@example.com", Outcome: invite.Invited, Tester: tester("tester@example.com"),
			Recovered: true, FinishedAt: t0.Add(time.Second)}
		already := invite.Result{Email: "carol@example.com", Outcome: invite.AlreadyInvited, Tester: tester("carol@example.com"),
			FinishedAt: t0.Add(2 * time.Second)}
		failed := invite.Result{Email: "dave@example.com", Outcome: invite.Failed,
			Problem: invite.Problem{Kind: invite.Rejected, Detail: "email not valid"}, FinishedAt: t0.Add(3 * time.Second)}
		for i, res := range []invite.Result{invited, already, failed} {
			require.NoError(t, s.Finish(ctx, "r-1", ownerA, i, res))
		}

		got := load(t, s, "r-1")
		require.Equal(t, 14*24*time.Hour, got.AccessFor)
		require.Equal(t, "U0ASKER", got.RequestedBy)
		require.Equal(t, t0.Add(time.Second+14*24*time.Hour), got.EmailStates[0].AccessEnds)
		require.Zero(t, got.EmailStates[1].AccessEnds, "an approval leaves an existing tester's access as it is")
		require.Zero(t, got.EmailStates[2].AccessEnds, "a failure gives no access to end")

		var details []string
		for _, e := range auditOf(t, s, "r-1") {
			details = append(details, e.Detail)
		}
		require.Equal(t, []string{
			"rejected: email not valid; on behalf of U0ASKER",
			"on behalf of U0ASKER",
			"created although the answer to the create was lost; access until 2025-01-15T12:00Z; on behalf of U0ASKER",
		}, details)
	})
}

// An older request, or one whose access does not end, loads with no end and no requester.
func TestARequestWithoutAnEndHasNone(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		create(t, s, newRecord("r-1", t0, "tester@example.com"), ownerA, t0.Add(time.Minute))
		require.NoError(t, s.Finish(context.Background(), "r-1", ownerA, 0, invite.Result{Email: "tester@example.com",
			Outcome: invite.Invited, Tester: tester("tester@example.com"), FinishedAt: t0.Add(time.Second)}))
		got := load(t, s, "r-1")
		require.Zero(t, got.AccessFor)
		require.Empty(t, got.RequestedBy)
		require.Zero(t, got.EmailStates[0].AccessEnds)
	})
}
