package invite

import (
	"context"
	"fmt"
	"strings"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/config"
)

// Tester is one OTP user of one app, as the list and remove flows show it.
type Tester struct {
	App  config.App
	User applivery.OTPUser
}

// Listing is a page of testers across a channel's apps.
type Listing struct {
	Testers []Tester
	Total   int // how many Applivery holds in all, which may be more than len(Testers)
}

// List returns up to limit testers of the given apps whose email contains filter (any, when empty),
// ignoring case, walking Applivery's pages. Each tester is checked here against the filter and
// the app, whatever Applivery's filter matched (see applivery.ListAllOTPUsers).
func (s *Service) List(ctx context.Context, storeID string, apps []config.App, filter string, limit int) (*Listing, error) {
	out := &Listing{}
	for _, app := range apps {
		opts := applivery.ListOTPUsersOptions{PublishedApplicationID: app.ID, Email: strings.TrimSpace(filter)}
		room := limit - len(out.Testers)
		if room <= 0 && opts.Email == "" {
			// The page is full, but "showing N of M" must still count this app's testers; without
			// a filter Applivery's own count is exact.
			opts.Limit = 1
			page, err := s.api.ListOTPUsers(ctx, storeID, opts)
			if err != nil {
				return nil, fmt.Errorf("count testers of %s: %w", app.ID, err)
			}
			out.Total += page.TotalDocs
			continue
		}
		users, total, err := s.api.ListAllOTPUsers(ctx, storeID, opts, max(room, 1))
		if err != nil {
			return nil, fmt.Errorf("list testers of %s: %w", app.ID, err)
		}
		out.Total += total
		if room <= 0 {
			continue // counted
		}
		for _, u := range users {
			out.Testers = append(out.Testers, Tester{App: app, User: u})
		}
	}
	return out, nil
}

// RemoveRequest asks to revoke one tester's access to the given apps.
type RemoveRequest struct {
	ID        string
	UserID    string
	ChannelID string
	Origin    string // where the request came from, for the audit log
	StoreID   string
	Apps      []config.App
	Email     string
	OTPUserID string // set by the Revoke button, which knows exactly whom it revokes
}

// RemoveResult says what was revoked.
type RemoveResult struct {
	Email   string
	Removed []Tester // empty when the email was not a tester of any of the apps
}

// Remove finds the email's OTP user in each app and deletes it. Not finding anyone is not an
// error: the result simply has nothing in Removed.
func (s *Service) Remove(ctx context.Context, req RemoveRequest) (*RemoveResult, error) {
	out := &RemoveResult{Email: req.Email}
	for _, app := range req.Apps {
		user, err := s.api.FindOTPUser(ctx, req.StoreID, app.ID, req.Email)
		if err != nil {
			return out, fmt.Errorf("look up %s: %w", req.Email, err)
		}
		if user == nil || (req.OTPUserID != "" && user.ID != req.OTPUserID) {
			continue
		}
		if err := s.api.DeleteOTPUser(ctx, req.StoreID, user.ID); err != nil {
			return out, fmt.Errorf("delete otp user %s: %w", user.ID, err)
		}
		out.Removed = append(out.Removed, Tester{App: app, User: *user})
		s.recordRemoval(ctx, req, app, user.ID)
	}
	return out, nil
}

func (s *Service) recordRemoval(ctx context.Context, req RemoveRequest, app config.App, otpUserID string) {
	s.opts.Logger.Info("remove", "request_id", req.ID, "user", req.UserID, "channel", req.ChannelID,
		"store", req.StoreID, "app", app.ID, "email", req.Email, "otp_user_id", otpUserID)
	s.opts.Observe.Outcome(Removed)
	err := s.store.RecordRemoval(context.WithoutCancel(ctx), Removal{
		RequestID: req.ID, UserID: req.UserID, ChannelID: req.ChannelID, Origin: req.Origin,
		StoreID: req.StoreID, AppID: app.ID, AppName: app.Name, Email: req.Email, OTPUserID: otpUserID,
	})
	if err != nil { // the tester is gone whatever the audit log says: logged, not shown
		s.opts.Logger.Error("audit write failed", "request_id", req.ID, "error", err)
	}
}
