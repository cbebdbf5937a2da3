package applivery

import (
	"encoding/json"
	"time"
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

// otpUserWire is the documented JSON shape of an OTP user. Reading is
// lenient about the variants seen across Applivery API versions: "_id"
// instead of "id", and "publishedApplication" as an id or an object.
type otpUserWire struct {
	ID                     string          `json:"id,omitempty"`
	MongoID                string          `json:"_id,omitempty"`
	OrganizationID         string          `json:"organizationId,omitempty"`
	StoreID                string          `json:"storeId,omitempty"`
	PublishedApplicationID string          `json:"publishedApplicationId,omitempty"`
	PublishedApplication   json.RawMessage `json:"publishedApplication,omitempty"`
	Email                  string          `json:"email"`
	AllowedDownloadsNum    int             `json:"allowedDownloadsNum"`
	LastLoginDate          jsonTime        `json:"lastLoginDate"`
	LastDownloadDate       jsonTime        `json:"lastDownloadDate"`
	CreatedAt              jsonTime        `json:"createdAt,omitzero"`
	UpdatedAt              jsonTime        `json:"updatedAt,omitzero"`
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
		PublishedApplicationID: firstNonEmpty(w.PublishedApplicationID, refID(w.PublishedApplication)),
		OrganizationID:         w.OrganizationID,
		StoreID:                w.StoreID,
		CreatedAt:              w.CreatedAt.Time,
		UpdatedAt:              w.UpdatedAt.Time,
		LastLoginAt:            timePointer(w.LastLoginDate.Time),
		LastDownloadAt:         timePointer(w.LastDownloadDate.Time),
	}
	return nil
}

// MarshalJSON writes the documented wire shape, so a fake server can serve
// OTPUser values exactly as the real API would.
func (u OTPUser) MarshalJSON() ([]byte, error) {
	return json.Marshal(otpUserWire{
		ID:                     u.ID,
		OrganizationID:         u.OrganizationID,
		StoreID:                u.StoreID,
		PublishedApplicationID: u.PublishedApplicationID,
		Email:                  u.Email,
		AllowedDownloadsNum:    u.AllowedDownloadsNum,
		LastLoginDate:          jsonTimeOf(u.LastLoginAt),
		LastDownloadDate:       jsonTimeOf(u.LastDownloadAt),
		CreatedAt:              jsonTime{u.CreatedAt},
		UpdatedAt:              jsonTime{u.UpdatedAt},
	})
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
	Sort                   string // e.g. "createdAt:desc"
}

// Page is one page of a listing, in Applivery's mongoose-paginate shape.
type Page[T any] struct {
	Items      []T `json:"items"`
	TotalDocs  int `json:"totalDocs"`
	Limit      int `json:"limit"`
	Page       int `json:"page"`
	TotalPages int `json:"totalPages"`
	// HasNextPage is nil when the server did not say; walking a listing then
	// goes by TotalPages or TotalDocs.
	HasNextPage *bool `json:"hasNextPage"`
	NextPage    int   `json:"nextPage"` // 0 when there is no next page
	HasPrevPage bool  `json:"hasPrevPage"`
	PrevPage    int   `json:"prevPage"` // 0 when there is no previous page
}

// OTPUserPage is one page of OTP users.
type OTPUserPage = Page[OTPUser]

// PublishedApp is a publication of an app in a store: what a tester is
// invited to.
type PublishedApp struct {
	ID string
	// Name is the app's name as the publication shows it, or its slug when
	// the API sent no name.
	Name string
	Slug string // the publication's URL-friendly identifier
	// Visibility is "active", "inactive" or "unlisted" as documented; empty
	// when the API did not send it.
	Visibility string
	// DistributionURL is where testers download the app; empty when the API
	// did not send one.
	DistributionURL string
}

// publishedAppWire is the documented JSON shape of a publication. The name
// a publication shows is configuration.application.name; reading also
// accepts "_id" for "id", a top-level "name", and the name of a populated
// "application".
type publishedAppWire struct {
	ID              string          `json:"id,omitempty"`
	MongoID         string          `json:"_id,omitempty"`
	Name            string          `json:"name,omitempty"`
	Slug            string          `json:"slug"`
	Visibility      string          `json:"visibility,omitempty"`
	DistributionURL string          `json:"distributionUrl,omitempty"`
	Application     json.RawMessage `json:"application,omitempty"`
	Configuration   struct {
		Application struct {
			Name string `json:"name,omitempty"`
		} `json:"application"`
	} `json:"configuration"`
}

// UnmarshalJSON accepts the documented shape and its known variants.
func (p *PublishedApp) UnmarshalJSON(data []byte) error {
	var w publishedAppWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*p = PublishedApp{
		ID:              firstNonEmpty(w.ID, w.MongoID),
		Name:            firstNonEmpty(w.Configuration.Application.Name, w.Name, refName(w.Application), w.Slug),
		Slug:            w.Slug,
		Visibility:      w.Visibility,
		DistributionURL: w.DistributionURL,
	}
	return nil
}

// MarshalJSON writes the documented shape, for fake servers.
func (p PublishedApp) MarshalJSON() ([]byte, error) {
	w := publishedAppWire{ID: p.ID, Slug: p.Slug, Visibility: p.Visibility, DistributionURL: p.DistributionURL}
	w.Configuration.Application.Name = p.Name
	return json.Marshal(w)
}

// Store is a private app store of the organization. Stores have no name:
// people tell them apart by id, custom domain and age.
type Store struct {
	ID           string
	CustomDomain string    // empty when the store has none
	CreatedAt    time.Time // zero when the API did not send it
}

// storeWire is the documented JSON shape of a store; reading also accepts
// "_id" for "id".
type storeWire struct {
	ID           string   `json:"id,omitempty"`
	MongoID      string   `json:"_id,omitempty"`
	CustomDomain string   `json:"customDomain,omitempty"`
	CreatedAt    jsonTime `json:"createdAt,omitzero"`
}

// UnmarshalJSON accepts the documented shape and its known variants.
func (s *Store) UnmarshalJSON(data []byte) error {
	var w storeWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*s = Store{ID: firstNonEmpty(w.ID, w.MongoID), CustomDomain: w.CustomDomain, CreatedAt: w.CreatedAt.Time}
	return nil
}

// MarshalJSON writes the documented shape, for fake servers.
func (s Store) MarshalJSON() ([]byte, error) {
	return json.Marshal(storeWire{ID: s.ID, CustomDomain: s.CustomDomain, CreatedAt: jsonTime{s.CreatedAt}})
}
