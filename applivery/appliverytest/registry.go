package appliverytest

import (
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"strings"
	"time"

	"github.com/testerbot/testerbot/applivery"
)

// store is one private store with its publications and OTP users.
type store struct {
	id, name string
	apps     map[string]applivery.PublishedApp
	users    []applivery.OTPUser // in creation order, like the real listing
}

var idPattern = regexp.MustCompile(`^[a-fA-F0-9]{24}$`)

// NewID returns a random id in Applivery's format (24 hex characters).
func NewID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// AddStore registers a store. id must be 24 hex characters (see NewID).
func (s *Server) AddStore(id, name string) {
	mustBeID("store", id)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stores[id] = &store{id: id, name: name, apps: make(map[string]applivery.PublishedApp)}
}

// AddPublishedApp registers a publication in a store added before.
// distributionURL may be empty, as it may be absent from the real API.
func (s *Server) AddPublishedApp(storeID, appID, name, distributionURL string) {
	mustBeID("published app", appID)
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.mustStore(storeID)
	st.apps[appID] = applivery.PublishedApp{ID: appID, Name: name, Slug: slugify(name), DistributionURL: distributionURL}
}

// AddOTPUser seeds an existing tester in a store added before, filling in
// the id, store, organization and timestamps when they are empty. It does
// not validate the user, so tests can seed states the API would refuse.
func (s *Server) AddOTPUser(storeID string, u applivery.OTPUser) applivery.OTPUser {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.mustStore(storeID)
	if u.ID == "" {
		u.ID = NewID()
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = now()
	}
	if u.UpdatedAt.IsZero() {
		u.UpdatedAt = u.CreatedAt
	}
	u.StoreID, u.OrganizationID = storeID, s.orgID
	st.users = append(st.users, u)
	return u
}

// OTPUsers returns a snapshot of a store's OTP users in creation order.
func (s *Server) OTPUsers(storeID string) []applivery.OTPUser {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]applivery.OTPUser(nil), s.mustStore(storeID).users...)
}

// mustStore is for test set-up calls: an unknown store is a bug in the
// test, reported by panicking (t.Fatal would be unsafe off the test
// goroutine). Callers hold s.mu.
func (s *Server) mustStore(id string) *store {
	st, ok := s.stores[id]
	if !ok {
		panic("appliverytest: unknown store " + id + "; call AddStore first")
	}
	return st
}

func mustBeID(what, id string) {
	if !idPattern.MatchString(id) {
		panic("appliverytest: " + what + " id " + id + " is not 24 hex characters; use NewID")
	}
}

// findUser returns the index of the user with the id, or -1.
func (st *store) findUser(id string) int {
	for i, u := range st.users {
		if u.ID == id {
			return i
		}
	}
	return -1
}

// hasEmail reports whether the app already has a user with the email.
func (st *store) hasEmail(appID, email string) bool {
	for _, u := range st.users {
		if u.PublishedApplicationID == appID && strings.EqualFold(u.Email, email) {
			return true
		}
	}
	return false
}

// now is millisecond-precise like the real API's timestamps, so values
// survive a JSON round trip unchanged.
func now() time.Time {
	return time.Now().UTC().Truncate(time.Millisecond)
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

func slugify(name string) string {
	return strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(name), "-"), "-")
}
