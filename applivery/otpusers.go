package applivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Permissions a token needs for the OTP-user calls, named as in the API
// reference. A call refused for lack of one names it in the Permission of its
// *ErrorResponse.
const (
	PermissionListOTPUsers  = "mad.store.otpUsers.list"
	PermissionCreateOTPUser = "mad.store.otpUsers.create"
	PermissionRemoveOTPUser = "mad.store.otpUsers.remove"
)

// Routes of the OTP-user calls, as reported to the Observer.
const (
	routeOTPUsers = "otp-users"
	routeOTPUser  = "otp-users/{id}"
)

// Unlimited is the AllowedDownloadsNum that lets an OTP user download
// without limit.
const Unlimited = -1

// OTPUserRequest is the body of a create: one tester for one published app.
type OTPUserRequest struct {
	Email string `json:"email"`
	// AllowedDownloadsNum caps the tester's downloads; Unlimited (-1) for no cap.
	AllowedDownloadsNum    int    `json:"allowedDownloadsNum"`
	PublishedApplicationID string `json:"publishedApplicationId"`
}

// OTPUser is a tester who can sign in to a private store with a one-time
// password sent to Email.
type OTPUser struct {
	ID                     string
	Email                  string
	AllowedDownloadsNum    int
	PublishedApplicationID string
	OrganizationID         string
	StoreID                string
	CreatedAt              time.Time
	UpdatedAt              time.Time
	LastLoginAt            *time.Time // nil until the tester first signs in
	LastDownloadAt         *time.Time // nil until the tester first downloads
}

// otpUserWire is the documented JSON shape of an OTP user, read leniently
// about the variants seen across Applivery API versions: "_id" instead of
// "id", and "publishedApplication" as an id or an object.
type otpUserWire struct {
	ID                     string   `json:"id"`
	MongoID                string   `json:"_id"`
	OrganizationID         string   `json:"organizationId"`
	StoreID                string   `json:"storeId"`
	PublishedApplicationID string   `json:"publishedApplicationId"`
	PublishedApplication   ref      `json:"publishedApplication"`
	Email                  string   `json:"email"`
	AllowedDownloadsNum    int      `json:"allowedDownloadsNum"`
	LastLoginDate          jsonTime `json:"lastLoginDate"`
	LastDownloadDate       jsonTime `json:"lastDownloadDate"`
	CreatedAt              jsonTime `json:"createdAt"`
	UpdatedAt              jsonTime `json:"updatedAt"`
}

// UnmarshalJSON accepts the documented shape and its known variants.
func (u *OTPUser) UnmarshalJSON(data []byte) error {
	var w otpUserWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*u = OTPUser{
		ID:                     firstNonEmpty(w.ID, w.MongoID),
		Email:                  w.Email,
		AllowedDownloadsNum:    w.AllowedDownloadsNum,
		PublishedApplicationID: firstNonEmpty(w.PublishedApplicationID, w.PublishedApplication.id),
		OrganizationID:         w.OrganizationID,
		StoreID:                w.StoreID,
		CreatedAt:              w.CreatedAt.Time,
		UpdatedAt:              w.UpdatedAt.Time,
		LastLoginAt:            timePointer(w.LastLoginDate.Time),
		LastDownloadAt:         timePointer(w.LastDownloadDate.Time),
	}
	return nil
}

// ListOTPUsersOptions filters and pages a listing. Zero fields are not sent.
type ListOTPUsersOptions struct {
	Page  int // 1-based
	Limit int // page size
	// Email keeps the users whose address contains it, ignoring case. It is
	// matched literally: Applivery treats the filter as a regular expression,
	// so the client escapes it (a "+" stays a "+"). Once escaped it may be at
	// most MaxFilterLength characters. Use FindOTPUser to look up one tester.
	Email                  string
	PublishedApplicationID string
}

// OTPUserPage is one page of OTP users.
type OTPUserPage = Page[OTPUser]

// CreateOTPUser invites a tester to a published app of the store. It is
// never retried after the request may have reached Applivery; when
// OutcomeUnknown(err) is true the tester may exist, so look them up with
// FindOTPUser before creating again.
func (c *Client) CreateOTPUser(ctx context.Context, storeID string, req OTPUserRequest) (*OTPUser, error) {
	created, err := fetch[oneOTPUser](ctx, c, request{
		method:     http.MethodPost,
		route:      routeOTPUsers,
		path:       c.storePath(storeID, "otp-users"),
		permission: PermissionCreateOTPUser,
		body:       req,
	})
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
	return fetch[OTPUserPage](ctx, c, request{
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
	getPage := func(ctx context.Context, n int) (*OTPUserPage, error) {
		opts.Page = n
		return c.ListOTPUsers(ctx, storeID, opts)
	}
	return walkPages(ctx, opts.Page, opts.Limit, getPage, visit)
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

// MaxFilterLength is the longest email filter Applivery accepts, counted in
// characters of the filter as sent, i.e. after escaping.
const MaxFilterLength = 500

// emailFilter is the filter sent for text that must match literally.
// Applivery passes the filter to a MongoDB $regex (the fake server does the
// same), so every metacharacter is escaped: "a+b@x.io" is sent as
// `a\+b@x\.io` and matches exactly the addresses containing "a+b@x.io". The
// limit is checked on the escaped form because that is what the server
// validates; the reference gives the limit in characters, read here as
// Unicode code points.
func emailFilter(text string) (string, error) {
	escaped := regexp.QuoteMeta(text)
	if n := utf8.RuneCountInString(escaped); n > MaxFilterLength {
		return "", fmt.Errorf("applivery: the email filter is %d characters once escaped, more than the %d Applivery accepts: %w", n, MaxFilterLength, ErrFilterTooLong)
	}
	return escaped, nil
}

// matchOTPUser picks the user whose email is exactly email, ignoring case
// and surrounding space, and who belongs to the published app (when the
// server told us which app a user belongs to).
func matchOTPUser(users []OTPUser, publishedAppID, email string) *OTPUser {
	want := strings.TrimSpace(email)
	for i := range users {
		u := &users[i]
		if !strings.EqualFold(strings.TrimSpace(u.Email), want) {
			continue
		}
		if publishedAppID != "" && u.PublishedApplicationID != "" && u.PublishedApplicationID != publishedAppID {
			continue
		}
		found := *u
		return &found
	}
	return nil
}
