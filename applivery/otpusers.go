package applivery

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Routes reported to the Observer.
const (
	routeOTPUsers      = "otp-users"
	routeOTPUser       = "otp-users/{id}"
	routePublishedApps = "pubApps"
	routePublishedApp  = "pubApps/{id}"
	routeStores        = "stores"
	routeStore         = "store"
)

// CreateOTPUser invites a tester to a published app of the store. It is
// never retried after the request may have reached Applivery; when
// OutcomeUnknown(err) is true the tester may exist, so look them up with
// FindOTPUser before creating again.
func (c *Client) CreateOTPUser(ctx context.Context, storeID string, req OTPUserRequest) (*OTPUser, error) {
	var created oneOTPUser
	err := c.do(ctx, request{
		method:     http.MethodPost,
		route:      routeOTPUsers,
		path:       c.storePath(storeID, "otp-users"),
		permission: PermissionCreateOTPUser,
		body:       req,
	}, &created)
	if err != nil {
		return nil, err
	}
	return &created.user, nil
}

// ListOTPUsers returns one page of the store's OTP users. An Email filter
// longer than MaxFilterLength once escaped fails with ErrFilterTooLong before
// any request is made.
func (c *Client) ListOTPUsers(ctx context.Context, storeID string, opts ListOTPUsersOptions) (*OTPUserPage, error) {
	query, err := opts.values()
	if err != nil {
		return nil, err
	}
	return getPage[OTPUser](ctx, c, request{
		method:     http.MethodGet,
		route:      routeOTPUsers,
		path:       c.storePath(storeID, "otp-users"),
		permission: PermissionListOTPUsers,
		query:      query,
	})
}

// ListAllOTPUsers walks the pages of a listing, starting at opts.Page (or
// the first), until the last page or until max users are collected
// (maxUsers <= 0 means no cap). total is the server's count of matching
// users, which may exceed len(users) when the cap was hit.
func (c *Client) ListAllOTPUsers(ctx context.Context, storeID string, opts ListOTPUsersOptions, maxUsers int) (users []OTPUser, total int, err error) {
	err = c.walkOTPUsers(ctx, storeID, opts, func(page *OTPUserPage) bool {
		total = page.TotalDocs
		users = append(users, page.Items...)
		return maxUsers <= 0 || len(users) < maxUsers
	})
	if maxUsers > 0 && len(users) > maxUsers {
		users = users[:maxUsers]
	}
	return users, total, err
}

// FindOTPUser returns the store's OTP user for the published app whose
// email equals email, ignoring case and surrounding space, or (nil, nil)
// when there is none. The server's email filter matches any address that
// contains the text, so the exact comparison happens here.
func (c *Client) FindOTPUser(ctx context.Context, storeID, publishedAppID, email string) (*OTPUser, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return nil, errors.New("applivery: FindOTPUser needs an email")
	}
	opts := ListOTPUsersOptions{
		Email:                  email,
		PublishedApplicationID: publishedAppID,
		Limit:                  findPageSize,
	}
	var found *OTPUser
	err := c.walkOTPUsers(ctx, storeID, opts, func(page *OTPUserPage) bool {
		found = matchOTPUser(page.Items, publishedAppID, email)
		return found == nil
	})
	if err != nil {
		return nil, err
	}
	return found, nil
}

// findPageSize keeps a lookup to one request in practice while bounding
// the response when the partial match is broad.
const findPageSize = 50

// walkOTPUsers hands pages to visit until visit returns false or there are
// no more pages.
func (c *Client) walkOTPUsers(ctx context.Context, storeID string, opts ListOTPUsersOptions, visit func(*OTPUserPage) bool) error {
	fetch := func(ctx context.Context, n int) (*OTPUserPage, error) {
		opts.Page = n
		return c.ListOTPUsers(ctx, storeID, opts)
	}
	return walkPages(ctx, opts.Page, opts.Limit, fetch, visit)
}

// GetOTPUser returns one OTP user by id.
func (c *Client) GetOTPUser(ctx context.Context, storeID, id string) (*OTPUser, error) {
	var user OTPUser
	err := c.do(ctx, request{
		method:     http.MethodGet,
		route:      routeOTPUser,
		path:       c.storePath(storeID, "otp-users", id),
		permission: PermissionGetOTPUser,
	}, &user)
	if err != nil {
		return nil, err
	}
	return &user, nil
}

// UpdateOTPUser changes how many downloads the user is allowed (Unlimited
// for no cap); it is the only field the API lets us change.
func (c *Client) UpdateOTPUser(ctx context.Context, storeID, id string, allowedDownloadsNum int) (*OTPUser, error) {
	var user OTPUser
	err := c.do(ctx, request{
		method:     http.MethodPut,
		route:      routeOTPUser,
		path:       c.storePath(storeID, "otp-users", id),
		permission: PermissionUpdateOTPUser,
		body:       map[string]int{"allowedDownloadsNum": allowedDownloadsNum},
	}, &user)
	if err != nil {
		return nil, err
	}
	return &user, nil
}

// DeleteOTPUser removes an OTP user, revoking their access. When an
// attempt failed without telling whether it was applied (a timeout, a
// dropped connection, a 5xx) and the retry finds the user gone, the user
// counts as removed; a 404 on the first attempt is ErrNotFound.
func (c *Client) DeleteOTPUser(ctx context.Context, storeID, id string) error {
	return c.do(ctx, request{
		method:     http.MethodDelete,
		route:      routeOTPUser,
		path:       c.storePath(storeID, "otp-users", id),
		permission: PermissionRemoveOTPUser,
	}, nil)
}

// values encodes the non-zero options as query parameters, the email
// filter escaped.
func (o ListOTPUsersOptions) values() (url.Values, error) {
	v := url.Values{}
	setInt := func(key string, n int) {
		if n > 0 {
			v.Set(key, strconv.Itoa(n))
		}
	}
	setString := func(key, s string) {
		if s != "" {
			v.Set(key, s)
		}
	}
	email, err := emailFilter(o.Email)
	if err != nil {
		return nil, err
	}
	setInt("page", o.Page)
	setInt("limit", o.Limit)
	setString("email", email)
	setString("publishedApplicationId", o.PublishedApplicationID)
	setString("sort", o.Sort)
	return v, nil
}

// oneOTPUser decodes the "data" of a create, documented as an array
// holding the created user but accepted as a bare object too.
type oneOTPUser struct {
	user OTPUser
}

func (o *oneOTPUser) UnmarshalJSON(data []byte) error {
	var many []OTPUser
	if err := json.Unmarshal(data, &many); err == nil {
		if len(many) == 0 {
			return errors.New("empty list of created users")
		}
		o.user = many[0]
		return nil
	}
	return json.Unmarshal(data, &o.user)
}
