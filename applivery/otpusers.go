package applivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
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
	// Email keeps the users whose address contains it, ignoring case. What
	// Applivery is sent is a reading-proof piece of it (see filterFor), and
	// every user it answers is checked here. Use FindOTPUser to look up one
	// tester.
	Email                  string
	PublishedApplicationID string
}

// OTPUserPage is one page of OTP users.
type OTPUserPage = Page[OTPUser]

// CreateOTPUser invites a tester to a published app of the store. It is
// never retried after the request may have reached Applivery; when
// OutcomeUnknown(err) is true the tester may exist, so look them up with
// FindOTPUser before creating again (at once, unless MayStillLand(err)).
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

// ListOTPUsers returns one page of the store's OTP users. With an Email
// filter, Items holds only the users whose address contains it, checked
// here; TotalDocs, TotalPages and HasNextPage stay Applivery's, which may
// count users that do not (see filterFor). ListAllOTPUsers counts exactly.
// A filter longer than MaxFilterLength fails with ErrFilterTooLong before
// any request is made.
func (c *Client) ListOTPUsers(ctx context.Context, storeID string, opts ListOTPUsersOptions) (*OTPUserPage, error) {
	page, err := c.listPage(ctx, storeID, opts)
	if err != nil {
		return nil, err
	}
	page.Items = keep(page.Items, opts)
	return page, nil
}

// listPage is one page exactly as Applivery answered it.
func (c *Client) listPage(ctx context.Context, storeID string, opts ListOTPUsersOptions) (*OTPUserPage, error) {
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
// the first), and returns up to maxUsers (<= 0: no cap) of the users that
// match opts, checked here, with total, how many match in all. Without an
// Email filter total is Applivery's count and the walk stops at the cap;
// with one, Applivery's count may include users that do not match (see
// filterFor), so every page is walked and total counted here.
func (c *Client) ListAllOTPUsers(ctx context.Context, storeID string, opts ListOTPUsersOptions, maxUsers int) (users []OTPUser, total int, err error) {
	if opts.Limit == 0 {
		opts.Limit = walkPageSize
	}
	counted := opts.Email != ""
	err = c.walkOTPUsers(ctx, storeID, opts, func(page *OTPUserPage) bool {
		matching := keep(page.Items, opts)
		if counted {
			total += len(matching)
		} else {
			total = page.TotalDocs
		}
		room := len(matching)
		if maxUsers > 0 {
			room = min(room, max(maxUsers-len(users), 0))
		}
		users = append(users, matching[:room]...)
		return counted || maxUsers <= 0 || len(users) < maxUsers
	})
	return users, total, err
}

// FindOTPUser returns the store's OTP user for the published app whose
// email equals email, ignoring case and surrounding space, or (nil, nil)
// when there is none. Applivery's answer to the email filter is a superset
// of the addresses containing it (see filterFor), so every page is read
// until the exact match is found here.
func (c *Client) FindOTPUser(ctx context.Context, storeID, publishedAppID, email string) (*OTPUser, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return nil, errors.New("applivery: FindOTPUser needs an email")
	}
	return c.findOTPUser(ctx, storeID, ListOTPUsersOptions{Email: email, PublishedApplicationID: publishedAppID}, email)
}

// ScanForOTPUser is FindOTPUser without the email filter: it reads every
// page of the published app's OTP users and picks the exact match here. It
// costs one request per walkPageSize testers, so it is for confirming a
// miss that Applivery's own answer contradicts, such as a create refused as
// a duplicate of a tester the filtered look-up did not return.
func (c *Client) ScanForOTPUser(ctx context.Context, storeID, publishedAppID, email string) (*OTPUser, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return nil, errors.New("applivery: ScanForOTPUser needs an email")
	}
	return c.findOTPUser(ctx, storeID, ListOTPUsersOptions{PublishedApplicationID: publishedAppID}, email)
}

func (c *Client) findOTPUser(ctx context.Context, storeID string, opts ListOTPUsersOptions, email string) (*OTPUser, error) {
	opts.Limit = walkPageSize
	var found *OTPUser
	err := c.walkOTPUsers(ctx, storeID, opts, func(page *OTPUserPage) bool {
		found = matchOTPUser(page.Items, opts.PublishedApplicationID, email)
		return found == nil
	})
	if err != nil {
		return nil, err
	}
	return found, nil
}

// walkPageSize is the page size of every walk of OTP users: a look-up is
// one request in practice, and a walk of a large publication costs one
// request per hundred testers.
const walkPageSize = 100

// walkOTPUsers hands the pages, as Applivery answered them, to visit until
// visit returns false or there are no more pages.
func (c *Client) walkOTPUsers(ctx context.Context, storeID string, opts ListOTPUsersOptions, visit func(*OTPUserPage) bool) error {
	if _, err := opts.values(); err != nil {
		return err // before any request
	}
	getPage := func(ctx context.Context, n int) (*OTPUserPage, error) {
		opts.Page = n
		return c.listPage(ctx, storeID, opts)
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
// filter as filterFor sends it.
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
	email, err := filterFor(o.Email)
	if err != nil {
		return nil, err
	}
	setInt("page", o.Page)
	setInt("limit", o.Limit)
	setString("email", email)
	setString("publishedApplicationId", o.PublishedApplicationID)
	return v, nil
}

// keep is the users of a page that match opts, as checked here: the
// address contains opts.Email, ignoring case, and the user belongs to the
// published app when Applivery said which app a user belongs to.
func keep(users []OTPUser, opts ListOTPUsersOptions) []OTPUser {
	want := strings.ToLower(strings.TrimSpace(opts.Email))
	var out []OTPUser
	for _, u := range users {
		if !strings.Contains(strings.ToLower(u.Email), want) || !inApp(u, opts.PublishedApplicationID) {
			continue
		}
		out = append(out, u)
	}
	return out
}

func inApp(u OTPUser, publishedAppID string) bool {
	return publishedAppID == "" || u.PublishedApplicationID == "" || u.PublishedApplicationID == publishedAppID
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
// characters of the filter as sent.
const MaxFilterLength = 500

// filterFor is the email filter sent for text, chosen to mean the same
// whichever way Applivery reads it. Its reference says only that the filter
// is "a partial or full email address": a server may match it as plain
// text (a substring) or as a regular expression (a MongoDB $regex), and
// nothing public says which. Neither reading may be bet on:
//
//   - Escaping the text as a regex (`alice@x\.io`) matches nobody when the
//     server reads plain text.
//   - Sending it as it is breaks on "+" when the server reads a regex:
//     "alice+qa@x.io" means "alic, one or more e, then qa@x.io" and does
//     not match the address itself.
//
// So the filter is the longest piece of text holding no regex
// metacharacter but ".". Read as text it matches the addresses that contain
// it; read as a regex its "." matches any character, so it matches those
// addresses and perhaps a few more. Applivery's address pattern allows only
// letters, digits and _ ' + - . before the @, and letters, digits, - and .
// after it, so for a valid address the only piece boundary is "+":
// "alice@x.io" is sent as it is, "alice+qa@x.io" as "qa@x.io". Either way
// the answer holds every address that contains text, and callers check each
// user here (keep, matchOTPUser) and walk every page. Text with no usable
// piece sends no filter at all. The limit is checked on the piece, because
// that is what the server validates; the reference gives it in characters,
// read here as Unicode code points.
func filterFor(text string) (string, error) {
	piece := longestPlainPiece(strings.TrimSpace(text))
	if n := utf8.RuneCountInString(piece); n > MaxFilterLength {
		return "", fmt.Errorf("applivery: the email filter is %d characters, more than the %d Applivery accepts: %w", n, MaxFilterLength, ErrFilterTooLong)
	}
	return piece, nil
}

// regexMeta are the characters a regular expression gives a meaning of
// their own, but ".", which matches itself among others.
const regexMeta = `\+*?()|[]{}^$`

// longestPlainPiece is the longest run of text without a regexMeta
// character (the first of equal length).
func longestPlainPiece(text string) string {
	pieces := strings.FieldsFunc(text, func(r rune) bool { return strings.ContainsRune(regexMeta, r) })
	longest := ""
	for _, p := range pieces {
		if utf8.RuneCountInString(p) > utf8.RuneCountInString(longest) {
			longest = p
		}
	}
	return longest
}

// matchOTPUser picks the user whose email is exactly email, ignoring case
// and surrounding space, and who belongs to the published app (when the
// server told us which app a user belongs to).
func matchOTPUser(users []OTPUser, publishedAppID, email string) *OTPUser {
	want := strings.TrimSpace(email)
	for i := range users {
		u := &users[i]
		if !strings.EqualFold(strings.TrimSpace(u.Email), want) || !inApp(*u, publishedAppID) {
			continue
		}
		found := *u
		return &found
	}
	return nil
}
