package appliverytest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/testerbot/testerbot/applivery"
)

// store is one private store with its publications and OTP users. Stores
// and publications are listed in the order they were added.
type store struct {
	id           string
	customDomain string
	createdAt    time.Time
	apps         map[string]applivery.PublishedApp
	appOrder     []string
	users        []applivery.OTPUser // in creation order, like the real listing
}

// public is the store as the API shows it.
func (st *store) public() storeJSON {
	return storeJSON{ID: st.id, CustomDomain: st.customDomain, CreatedAt: st.createdAt}
}

// publishedApps are the store's publications as the API shows them, in the
// order they were added.
func (st *store) publishedApps() []publishedAppJSON {
	apps := make([]publishedAppJSON, len(st.appOrder))
	for i, id := range st.appOrder {
		apps[i] = publishedAppJSONOf(st.apps[id])
	}
	return apps
}

var idPattern = regexp.MustCompile(`^[a-fA-F0-9]{24}$`)

// NewID returns a random id in Applivery's format (24 hex characters).
func NewID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// StoreOption sets a detail of a store added with AddStore.
type StoreOption func(*store)

// StoreCustomDomain gives the store a custom domain, such as
// "beta.acme.com"; by default it has none.
func StoreCustomDomain(domain string) StoreOption {
	return func(st *store) { st.customDomain = domain }
}

// StoreCreatedAt sets when the store was created; by default, when it was
// added.
func StoreCreatedAt(t time.Time) StoreOption {
	return func(st *store) { st.createdAt = t.UTC().Truncate(time.Millisecond) }
}

// AddStore registers a store. id must be 24 hex characters (see NewID).
// name only labels the store in set-up errors and for whoever reads the
// test: Applivery stores have no name, so the fake never serves one.
func (s *Server) AddStore(id, name string, opts ...StoreOption) {
	mustBeID("store "+name, id)
	st := &store{id: id, createdAt: now(), apps: make(map[string]applivery.PublishedApp)}
	for _, opt := range opts {
		opt(st)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, exists := s.stores[id]; !exists {
		s.storeOrder = append(s.storeOrder, id)
	}
	s.stores[id] = st
}

// SeedStores adds n stores with fresh ids, each with the options, and
// returns their ids in the order the listing serves them.
func (s *Server) SeedStores(n int, opts ...StoreOption) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = NewID()
		s.AddStore(ids[i], fmt.Sprintf("Seeded store %d", i+1), opts...)
	}
	return ids
}

// AppOption sets a detail of a publication added with AddPublishedApp.
type AppOption func(*applivery.PublishedApp)

// AppSlug sets the publication's slug; by default it is made from the name.
func AppSlug(slug string) AppOption {
	return func(p *applivery.PublishedApp) { p.Slug = slug }
}

// AppVisibility sets the publication's visibility ("active", "inactive" or
// "unlisted"); by default it is "active".
func AppVisibility(visibility string) AppOption {
	return func(p *applivery.PublishedApp) { p.Visibility = visibility }
}

// AddPublishedApp registers a publication in a store added before.
// distributionURL may be empty, as it may be absent from the real API.
func (s *Server) AddPublishedApp(storeID, appID, name, distributionURL string, opts ...AppOption) {
	mustBeID("published app", appID)
	app := applivery.PublishedApp{ID: appID, Name: name, Slug: slugify(name), Visibility: "active", DistributionURL: distributionURL}
	for _, opt := range opts {
		opt(&app)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.mustStore(storeID)
	if _, exists := st.apps[appID]; !exists {
		st.appOrder = append(st.appOrder, appID)
	}
	st.apps[appID] = app
}

// SeedPublishedApps adds n publications named "App 001", "App 002"… with
// fresh ids to a store added before, and returns their ids in the order the
// listing serves them.
func (s *Server) SeedPublishedApps(storeID string, n int, opts ...AppOption) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = NewID()
		name := fmt.Sprintf("App %03d", i+1)
		s.AddPublishedApp(storeID, ids[i], name, "https://"+serverOrganization+".applivery.io/"+slugify(name), opts...)
	}
	return ids
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

// RemoveOTPUser deletes an OTP user behind the bot's back, as Applivery does by itself (after 30
// days, say) or someone from its dashboard; it reports whether there was one.
func (s *Server) RemoveOTPUser(storeID, id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.mustStore(storeID)
	i, found := st.userIndex(id)
	if found {
		st.users = append(st.users[:i:i], st.users[i+1:]...)
	}
	return found
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

// storeByID returns the store with the id.
func (s *Server) storeByID(id string) (*store, bool) {
	st, found := s.stores[id]
	return st, found
}

// app returns the store's publication with the id.
func (st *store) app(id string) (applivery.PublishedApp, bool) {
	app, found := st.apps[id]
	return app, found
}

// userIndex returns the index of the store's user with the id.
func (st *store) userIndex(id string) (int, bool) {
	i := slices.IndexFunc(st.users, func(u applivery.OTPUser) bool { return u.ID == id })
	return i, i >= 0
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
