package applivery

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Permissions a token needs for the store and publication calls, named as in
// the API reference. A call refused for lack of one names it in the
// Permission of its *ErrorResponse.
const (
	PermissionListStores        = "mad.store.management.list"
	PermissionGetStore          = "mad.store.management.get"
	PermissionListPublishedApps = "mad.store.publishedApplication.list"
	PermissionGetPublishedApp   = "mad.store.publishedApplication.get"
)

// Routes of the store and publication calls, as reported to the Observer.
const (
	routeStores        = "stores"
	routeStore         = "store"
	routePublishedApps = "pubApps"
	routePublishedApp  = "pubApps/{id}"
)

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
	ID           string   `json:"id"`
	MongoID      string   `json:"_id"`
	CustomDomain string   `json:"customDomain"`
	CreatedAt    jsonTime `json:"createdAt"`
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
	ID              string `json:"id"`
	MongoID         string `json:"_id"`
	Name            string `json:"name"`
	Slug            string `json:"slug"`
	Visibility      string `json:"visibility"`
	DistributionURL string `json:"distributionUrl"`
	Application     ref    `json:"application"`
	Configuration   struct {
		Application struct {
			Name string `json:"name"`
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
		Name:            firstNonEmpty(w.Configuration.Application.Name, w.Name, w.Application.name, w.Slug),
		Slug:            w.Slug,
		Visibility:      w.Visibility,
		DistributionURL: w.DistributionURL,
	}
	return nil
}

// catalogPageSize keeps a walk of stores or publications to a few requests.
const catalogPageSize = 50

// ListStores returns every store of the organization, walking all pages.
// It needs PermissionListStores. The reference documents no page or limit
// for this listing, so when the first page asked for with them is refused
// with a 400, the listing is asked for once without them and its one
// answer is taken as all there is.
func (c *Client) ListStores(ctx context.Context) ([]Store, error) {
	return listAll(ctx, func(ctx context.Context, n int) (*Page[Store], error) {
		page, err := c.storesPage(ctx, pageQuery(n))
		if n != 1 || !refusedAsInvalid(err) {
			return page, err
		}
		page, err = c.storesPage(ctx, nil)
		if err != nil {
			return nil, err
		}
		last := false
		page.HasNextPage = &last
		return page, nil
	})
}

func (c *Client) storesPage(ctx context.Context, query url.Values) (*Page[Store], error) {
	return fetch[Page[Store]](ctx, c, request{
		method:     http.MethodGet,
		route:      routeStores,
		path:       c.orgPath("stores"),
		query:      query,
		permission: PermissionListStores,
	})
}

// refusedAsInvalid reports a 400 answer.
func refusedAsInvalid(err error) bool {
	apiErr, ok := errors.AsType[*ErrorResponse](err)
	return ok && apiErr.StatusCode == http.StatusBadRequest
}

// GetStore returns the store, e.g. to check at start-up that the token can
// reach it.
func (c *Client) GetStore(ctx context.Context, storeID string) (*Store, error) {
	return fetch[Store](ctx, c, request{
		method:     http.MethodGet,
		route:      routeStore,
		path:       c.storePath(storeID),
		permission: PermissionGetStore,
	})
}

// ListPublishedApps returns every publication of the store, walking all
// pages. It needs PermissionListPublishedApps.
func (c *Client) ListPublishedApps(ctx context.Context, storeID string) ([]PublishedApp, error) {
	return listAll(ctx, func(ctx context.Context, n int) (*Page[PublishedApp], error) {
		return fetch[Page[PublishedApp]](ctx, c, request{
			method:     http.MethodGet,
			route:      routePublishedApps,
			path:       c.storePath(storeID, "pubApps"),
			query:      pageQuery(n),
			permission: PermissionListPublishedApps,
		})
	})
}

// GetPublishedApp returns a publication of the store, e.g. to show its name
// and download link to an invited tester.
func (c *Client) GetPublishedApp(ctx context.Context, storeID, id string) (*PublishedApp, error) {
	return fetch[PublishedApp](ctx, c, request{
		method:     http.MethodGet,
		route:      routePublishedApp,
		path:       c.storePath(storeID, "pubApps", id),
		permission: PermissionGetPublishedApp,
	})
}

// listAll collects the items of every page.
func listAll[T any](ctx context.Context, getPage func(context.Context, int) (*Page[T], error)) ([]T, error) {
	var all []T
	err := walkPages(ctx, 1, catalogPageSize, getPage, func(page *Page[T]) bool {
		all = append(all, page.Items...)
		return true
	})
	if err != nil {
		return nil, err
	}
	return all, nil
}

func pageQuery(n int) url.Values {
	return url.Values{"page": {strconv.Itoa(n)}, "limit": {strconv.Itoa(catalogPageSize)}}
}
