package applivery

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// catalogPageSize keeps a walk of stores or publications to a few requests.
const catalogPageSize = 50

// ListStores returns every store of the organization, walking all pages.
// It needs PermissionListStores.
func (c *Client) ListStores(ctx context.Context) ([]Store, error) {
	return listAll(ctx, func(ctx context.Context, n int) (*Page[Store], error) {
		return getPage[Store](ctx, c, request{
			method:     http.MethodGet,
			route:      routeStores,
			path:       c.orgPath("stores"),
			query:      pageQuery(n),
			permission: PermissionListStores,
		})
	})
}

// ListPublishedApps returns every publication of the store, walking all
// pages. It needs PermissionListPublishedApps.
func (c *Client) ListPublishedApps(ctx context.Context, storeID string) ([]PublishedApp, error) {
	return listAll(ctx, func(ctx context.Context, n int) (*Page[PublishedApp], error) {
		return getPage[PublishedApp](ctx, c, request{
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
	var app PublishedApp
	err := c.do(ctx, request{
		method:     http.MethodGet,
		route:      routePublishedApp,
		path:       c.storePath(storeID, "pubApps", id),
		permission: PermissionGetPublishedApp,
	}, &app)
	if err != nil {
		return nil, err
	}
	return &app, nil
}

// GetStore returns the store, e.g. to check at start-up that the token can
// reach it.
func (c *Client) GetStore(ctx context.Context, storeID string) (*Store, error) {
	var store Store
	err := c.do(ctx, request{
		method:     http.MethodGet,
		route:      routeStore,
		path:       c.storePath(storeID),
		permission: PermissionGetStore,
	}, &store)
	if err != nil {
		return nil, err
	}
	return &store, nil
}

// listAll collects the items of every page.
func listAll[T any](ctx context.Context, fetch func(context.Context, int) (*Page[T], error)) ([]T, error) {
	var all []T
	err := walkPages(ctx, 1, catalogPageSize, fetch, func(page *Page[T]) bool {
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
