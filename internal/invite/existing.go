package invite

import (
	"context"
	"strings"

	"github.com/testerbot/testerbot/applivery"
)

// existingLookups is how many addresses are looked up one by one before a listing of the app's
// testers is cheaper.
const existingLookups = 3

// AlreadyTesters returns, in order, those of emails who are already testers of the app, for a
// request the QA leads are asked to approve: approving them changes nothing of their access.
func (s *Service) AlreadyTesters(ctx context.Context, storeID, appID string, emails []string) ([]string, error) {
	var out []string
	if len(emails) <= existingLookups {
		for _, e := range emails {
			u, err := s.api.FindOTPUser(ctx, storeID, appID, e)
			if err != nil {
				return nil, err
			}
			if u != nil {
				out = append(out, e)
			}
		}
		return out, nil
	}
	users, _, err := s.api.ListAllOTPUsers(ctx, storeID, applivery.ListOTPUsersOptions{PublishedApplicationID: appID}, 0)
	if err != nil {
		return nil, err
	}
	known := make(map[string]bool, len(users))
	for _, u := range users { // of this app: the client checks each user's publishedApplicationId
		known[strings.ToLower(strings.TrimSpace(u.Email))] = true
	}
	for _, e := range emails {
		if known[strings.ToLower(strings.TrimSpace(e))] {
			out = append(out, e)
		}
	}
	return out, nil
}
