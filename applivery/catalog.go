package applivery

import (
	"context"
	"net/http"
)

// GetPublishedApp returns a publication of the store, e.g. to show its name
// and download link to an invited tester.
func (c *Client) GetPublishedApp(ctx context.Context, storeID, id string) (*PublishedApp, error) {
	var app PublishedApp
	err := c.do(ctx, request{
		method: http.MethodGet,
		route:  routePublishedApp,
		path:   c.storePath(storeID, "pubApps", id),
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
		method: http.MethodGet,
		route:  routeStore,
		path:   c.storePath(storeID),
	}, &store)
	if err != nil {
		return nil, err
	}
	return &store, nil
}
