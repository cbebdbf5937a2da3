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
	ID   string
	Name string
	Slug string
	// DistributionURL is where testers download the app; empty when the API
	// did not send one.
	DistributionURL string
}

// UnmarshalJSON accepts "_id" for "id" and, when the publication has no
// name of its own, takes the name of the app it publishes.
func (p *PublishedApp) UnmarshalJSON(data []byte) error {
	var w struct {
		ID              string          `json:"id"`
		MongoID         string          `json:"_id"`
		Name            string          `json:"name"`
		Slug            string          `json:"slug"`
		DistributionURL string          `json:"distributionUrl"`
		Application     json.RawMessage `json:"application"`
		Configuration   struct {
			Application struct {
				Name string `json:"name"`
			} `json:"application"`
		} `json:"configuration"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*p = PublishedApp{
		ID:              firstNonEmpty(w.ID, w.MongoID),
		Name:            firstNonEmpty(w.Name, w.Configuration.Application.Name, refName(w.Application)),
		Slug:            w.Slug,
		DistributionURL: w.DistributionURL,
	}
	return nil
}

// MarshalJSON writes the fields the client reads, for fake servers.
func (p PublishedApp) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID              string `json:"id"`
		Name            string `json:"name"`
		Slug            string `json:"slug"`
		DistributionURL string `json:"distributionUrl,omitempty"`
	}{p.ID, p.Name, p.Slug, p.DistributionURL})
}

// Store is a private app store of the organization.
type Store struct {
	ID           string
	Name         string
	Slug         string
	CustomDomain string
}

// UnmarshalJSON accepts "_id" for "id".
func (s *Store) UnmarshalJSON(data []byte) error {
	var w struct {
		ID           string `json:"id"`
		MongoID      string `json:"_id"`
		Name         string `json:"name"`
		Slug         string `json:"slug"`
		CustomDomain string `json:"customDomain"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*s = Store{ID: firstNonEmpty(w.ID, w.MongoID), Name: w.Name, Slug: w.Slug, CustomDomain: w.CustomDomain}
	return nil
}

// MarshalJSON writes the documented field names, for fake servers.
func (s Store) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID           string `json:"id"`
		Name         string `json:"name,omitempty"`
		Slug         string `json:"slug,omitempty"`
		CustomDomain string `json:"customDomain,omitempty"`
	}{s.ID, s.Name, s.Slug, s.CustomDomain})
}
