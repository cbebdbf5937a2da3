package appliverytest

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/testerbot/testerbot/applivery"
)

// emailPattern is Applivery's documented email pattern, minus the
// look-aheads RE2 lacks; those (no leading dot, no "..") are checked apart.
var emailPattern = regexp.MustCompile(`^[A-Za-z0-9_'+\-.]*[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$`)

// otpUserJSON is the documented JSON shape of an OTP user; the dates of a
// tester who never signed in or downloaded are null.
type otpUserJSON struct {
	ID                     string     `json:"id,omitempty"`
	OrganizationID         string     `json:"organizationId,omitempty"`
	StoreID                string     `json:"storeId,omitempty"`
	PublishedApplicationID string     `json:"publishedApplicationId,omitempty"`
	Email                  string     `json:"email"`
	AllowedDownloadsNum    int        `json:"allowedDownloadsNum"`
	LastLoginDate          *time.Time `json:"lastLoginDate"`
	LastDownloadDate       *time.Time `json:"lastDownloadDate"`
	CreatedAt              time.Time  `json:"createdAt,omitzero"`
	UpdatedAt              time.Time  `json:"updatedAt,omitzero"`
}

func otpUserJSONOf(u applivery.OTPUser) otpUserJSON {
	return otpUserJSON{
		ID:                     u.ID,
		OrganizationID:         u.OrganizationID,
		StoreID:                u.StoreID,
		PublishedApplicationID: u.PublishedApplicationID,
		Email:                  u.Email,
		AllowedDownloadsNum:    u.AllowedDownloadsNum,
		LastLoginDate:          u.LastLoginAt,
		LastDownloadDate:       u.LastDownloadAt,
		CreatedAt:              u.CreatedAt,
		UpdatedAt:              u.UpdatedAt,
	}
}

func (s *Server) createOTPUser(r *http.Request, st *store) reply {
	var body struct {
		Email                  *string `json:"email"`
		AllowedDownloadsNum    *int    `json:"allowedDownloadsNum"`
		PublishedApplicationID *string `json:"publishedApplicationId"`
	}
	if err := decodeBody(r, &body); err != nil {
		return invalid(err.Error())
	}
	if rep, valid := validateCreate(body.Email, body.AllowedDownloadsNum, body.PublishedApplicationID); !valid {
		return rep
	}
	appID := *body.PublishedApplicationID
	if _, found := st.apps[appID]; !found {
		return notFound()
	}
	if !s.duplicatesOK && st.hasEmail(appID, *body.Email) {
		return fail(http.StatusBadRequest, applivery.CodeDatabaseValidationError, "Database Validation Error: email already exists")
	}
	created := now()
	user := applivery.OTPUser{
		ID:                     NewID(),
		Email:                  *body.Email,
		AllowedDownloadsNum:    *body.AllowedDownloadsNum,
		PublishedApplicationID: appID,
		OrganizationID:         s.orgID,
		StoreID:                st.id,
		CreatedAt:              created,
		UpdatedAt:              created,
	}
	st.users = append(st.users, user)
	rep := ok([]otpUserJSON{otpUserJSONOf(user)})
	rep.created = &user
	return rep
}

func validateCreate(email *string, allowed *int, appID *string) (reply, bool) {
	switch {
	case email == nil || !validEmail(*email):
		return invalid("email is missing or invalid"), false
	case allowed == nil || *allowed < applivery.Unlimited:
		return invalid("allowedDownloadsNum must be -1 (unlimited) or more"), false
	case appID == nil || !idPattern.MatchString(*appID):
		return invalid("publishedApplicationId must be 24 hex characters"), false
	}
	return reply{}, true
}

func validEmail(email string) bool {
	return len(email) <= 256 && !strings.HasPrefix(email, ".") && !strings.Contains(email, "..") && emailPattern.MatchString(email)
}

func (s *Server) listOTPUsers(r *http.Request, st *store) reply {
	q := r.URL.Query()
	page, limit, rep := pageParams(q)
	if rep.status != 0 {
		return rep
	}
	appID := q.Get("publishedApplicationId")
	if appID != "" && !idPattern.MatchString(appID) {
		return invalid("publishedApplicationId must be 24 hex characters")
	}
	match, err := emailMatcher(q.Get("email"), s.reading)
	if err != nil {
		return invalid(err.Error())
	}
	var selected []otpUserJSON
	for _, u := range st.users {
		if (appID == "" || u.PublishedApplicationID == appID) && match(u.Email) {
			selected = append(selected, otpUserJSONOf(u))
		}
	}
	return ok(paginate(selected, page, limit))
}

// emailMatcher reads the filter as the server was told to: a
// case-insensitive regular expression, as a MongoDB $regex search would, or
// case-insensitive text that the address contains.
func emailMatcher(filter string, reading FilterReading) (func(string) bool, error) {
	if filter == "" {
		return func(string) bool { return true }, nil
	}
	if utf8.RuneCountInString(filter) > applivery.MaxFilterLength {
		return nil, fmt.Errorf("email filter is longer than %d characters", applivery.MaxFilterLength)
	}
	if reading == FilterAsText {
		text := strings.ToLower(filter)
		return func(email string) bool { return strings.Contains(strings.ToLower(email), text) }, nil
	}
	re, err := regexp.Compile("(?i)" + filter)
	if err != nil {
		return nil, fmt.Errorf("email filter is not a valid pattern")
	}
	return re.MatchString, nil
}

// deletedJSON is the reference's answer to a DELETE: {"delete": …}.
type deletedJSON struct {
	Delete bool `json:"delete"`
}

func (s *Server) deleteOTPUser(r *http.Request, st *store) reply {
	i, rep, found := resolve(r.PathValue("id"), "otpUserId", st.userIndex)
	if !found {
		return rep
	}
	// A fresh array, so snapshots handed out earlier never change.
	st.users = append(st.users[:i:i], st.users[i+1:]...)
	return ok(deletedJSON{Delete: true})
}

// decodeBody reads a JSON body strictly: the right content type, no
// unknown fields, nothing after the object.
func decodeBody(r *http.Request, into any) error {
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType != "application/json" {
		return fmt.Errorf("body must be application/json")
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return fmt.Errorf("body is not the expected JSON object")
	}
	if dec.More() {
		return fmt.Errorf("body has trailing data")
	}
	return nil
}
