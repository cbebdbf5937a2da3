package invite

import (
	"context"
	"strings"

	"github.com/testerbot/testerbot/applivery"
)

// A bulk invite looks its addresses up in one paginated listing of the publication's testers
// when that costs fewer requests than one look-up per address: inviting 100 new testers into a
// publication with few costs one listing and 100 creates, not 200 requests.

// planPageSize is the page size of a planned listing.
const planPageSize = 100

// lookupPlan is what a listing taught about the publication's testers.
type lookupPlan struct {
	testers  map[string]applivery.OTPUser // by lower-cased address
	complete bool                         // every tester is in testers: absence means "not a tester"
}

// planLookups lists the publication's testers when the emails left to look up are worth it.
// Emails with a create in flight are always looked up afresh, after their create can land.
func (r *runner) planLookups(ctx context.Context, pending []EmailState) {
	r.setPlan(nil) // a listing from an earlier pass predates that pass's creates
	need := 0
	for _, e := range pending {
		if e.SentAt.IsZero() {
			need++
		}
	}
	if need < 2 {
		return
	}
	opts := applivery.ListOTPUsersOptions{PublishedApplicationID: r.rec.AppID, Page: 1, Limit: planPageSize}
	first, err := r.s.api.ListOTPUsers(ctx, r.rec.StoreID, opts)
	if err != nil {
		return // each address is looked up on its own instead
	}
	plan := &lookupPlan{testers: map[string]applivery.OTPUser{}}
	plan.add(first.Items)
	pagesLeft := pagesAfter(first)
	switch {
	case pagesLeft == 0:
		plan.complete = true
	case pagesLeft < need:
		opts.Page = 2
		rest, _, err := r.s.api.ListAllOTPUsers(ctx, r.rec.StoreID, opts, 0)
		if err == nil {
			plan.add(rest)
			plan.complete = true
		}
	}
	r.setPlan(plan)
}

func (r *runner) setPlan(p *lookupPlan) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.plan = p
}

func (r *runner) currentPlan() *lookupPlan {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.plan
}

// pagesAfter is how many pages follow the first, by the count of testers Applivery reports.
func pagesAfter(first *applivery.OTPUserPage) int {
	left := first.TotalDocs - len(first.Items)
	if left <= 0 || len(first.Items) == 0 {
		if first.HasNextPage != nil && *first.HasNextPage {
			return planPageSize // more, but not how many: not worth listing
		}
		return 0
	}
	return (left + len(first.Items) - 1) / len(first.Items)
}

func (p *lookupPlan) add(users []applivery.OTPUser) {
	for _, u := range users {
		p.testers[strings.ToLower(strings.TrimSpace(u.Email))] = u
	}
}

// lookup returns the app's tester with this address, or nil. fresh skips the plan: the listing
// may predate what another request just did.
func (r *runner) lookup(ctx context.Context, email string, fresh bool) (*applivery.OTPUser, error) {
	if p := r.currentPlan(); p != nil && !fresh {
		if u, ok := p.testers[strings.ToLower(email)]; ok {
			return &u, nil
		}
		if p.complete {
			return nil, nil
		}
	}
	return r.s.api.FindOTPUser(ctx, r.rec.StoreID, r.rec.AppID, email)
}
