package applivery_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/applivery/appliverytest"
)

func TestGetStore(t *testing.T) {
	s := newStub(t, respond(200, `{"status":true,"data":{"_id":"`+storeID+`","organization":"5e0000000000000000000001",
		"security":"logged","customDomain":"beta.acme.io","branding":{"buttonColor":"#007AFF"},"createdAt":"2026-03-01T09:30:00.123Z"}}`))
	c, _ := newTestClient(t, s)

	store, err := c.GetStore(context.Background(), storeID)
	require.NoError(t, err)
	assert.Equal(t, storePath, s.last(t).Path)
	assert.Equal(t, applivery.Store{ID: storeID, CustomDomain: "beta.acme.io", CreatedAt: time.Date(2026, 3, 1, 9, 30, 0, 123e6, time.UTC)}, *store)
}

func TestListStoresWalksEveryPage(t *testing.T) {
	items := make([]map[string]any, 120)
	for i := range items {
		items[i] = map[string]any{"_id": fmt.Sprintf("%024x", i), "organization": "5e0000000000000000000001",
			"security": "logged", "createdAt": "2026-03-01T09:30:00.000Z"}
	}
	items[7]["customDomain"] = "beta.acme.io"
	s := newStub(t, pagedItems(items, "hasNextPage"))
	c, _ := newTestClient(t, s)

	stores, err := c.ListStores(context.Background())
	require.NoError(t, err)
	require.Len(t, stores, 120)
	assert.Equal(t, applivery.Store{ID: fmt.Sprintf("%024x", 7), CustomDomain: "beta.acme.io",
		CreatedAt: time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)}, stores[7])
	reqs := s.requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, "/v1/organizations/"+testOrg+"/stores", reqs[0].Path)
	assert.Equal(t, url.Values{"page": {"3"}, "limit": {"50"}}, reqs[2].Query)
}

func TestGetPublishedApp(t *testing.T) {
	s := newStub(t, respond(200, `{"status":true,"data":{"id":"`+appID+`","slug":"beta","visibility":"unlisted",
		"configuration":{"application":{"name":"Beta"}},"distributionUrl":"https://acme.applivery.io/beta","security":"logged"}}`))
	c, _ := newTestClient(t, s)

	app, err := c.GetPublishedApp(context.Background(), storeID, appID)
	require.NoError(t, err)
	assert.Equal(t, storePath+"/pubApps/"+appID, s.last(t).Path)
	assert.Equal(t, applivery.PublishedApp{ID: appID, Name: "Beta", Slug: "beta", Visibility: "unlisted", DistributionURL: "https://acme.applivery.io/beta"}, *app)
}

func TestPublishedAppNameFallsBack(t *testing.T) {
	cases := map[string]struct{ body, want string }{
		"override wins":        {`"name":"Old","configuration":{"application":{"name":"Override"}},"application":{"name":"App"}`, "Override"},
		"top-level name":       {`"name":"Beta","application":{"name":"App"}`, "Beta"},
		"populated app":        {`"application":{"id":"1","name":"Beta App"}`, "Beta App"},
		"bare app id: slug":    {`"application":"64a1b2c3d4e5f6a7b8c9d0e9"`, "beta"},
		"no name at all: slug": {`"configuration":{"application":{}}`, "beta"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := newStub(t, respond(200, `{"status":true,"data":{"_id":"`+appID+`","slug":"beta",`+tc.body+`}}`))
			c, _ := newTestClient(t, s)

			app, err := c.GetPublishedApp(context.Background(), storeID, appID)
			require.NoError(t, err)
			assert.Equal(t, applivery.PublishedApp{ID: appID, Name: tc.want, Slug: "beta"}, *app)
		})
	}
}

func TestListPublishedAppsWalksEveryPage(t *testing.T) {
	items := make([]map[string]any, 12)
	for i := range items {
		items[i] = map[string]any{"id": fmt.Sprintf("%024x", i), "slug": fmt.Sprintf("app-%02d", i), "visibility": "active",
			"security": "logged", "configuration": map[string]any{"application": map[string]any{"name": fmt.Sprintf("App %02d", i)}}}
	}
	items[11]["distributionUrl"] = "https://acme.applivery.io/app-11"
	s := newStub(t, pagedItems(items))
	c, _ := newTestClient(t, s)

	apps, err := c.ListPublishedApps(context.Background(), storeID)
	require.NoError(t, err)
	require.Len(t, apps, 12)
	assert.Equal(t, applivery.PublishedApp{ID: fmt.Sprintf("%024x", 11), Name: "App 11", Slug: "app-11", Visibility: "active",
		DistributionURL: "https://acme.applivery.io/app-11"}, apps[11])
	assert.Equal(t, storePath+"/pubApps", s.last(t).Path)
}

func TestEmptyCatalogsAreEmpty(t *testing.T) {
	s := newStub(t, pagedItems(nil))
	c, _ := newTestClient(t, s)

	stores, err := c.ListStores(context.Background())
	require.NoError(t, err)
	assert.Empty(t, stores)
	apps, err := c.ListPublishedApps(context.Background(), storeID)
	require.NoError(t, err)
	assert.Empty(t, apps)
}

func TestCatalogListingsNameTheMissingPermission(t *testing.T) {
	s := newStub(t, respond(403, apiErrorBody(4003, "Forbidden - You are not allowed to perform this action")))
	c, _ := newTestClient(t, s)

	_, err := c.ListStores(context.Background())
	require.ErrorIs(t, err, applivery.ErrForbidden)
	var apiErr *applivery.ErrorResponse
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "mad.store.management.list", apiErr.Permission)

	_, err = c.ListPublishedApps(context.Background(), storeID)
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "mad.store.publishedApplication.list", apiErr.Permission)
}

func TestListStoresWithoutPagingWhenTheServerRefusesIt(t *testing.T) {
	srv := appliverytest.New(t, appliverytest.StoresRefusePaging())
	ids := srv.SeedStores(60)
	c := srv.Client(t)

	stores, err := c.ListStores(context.Background())
	require.NoError(t, err)
	require.Len(t, stores, 60)
	assert.Equal(t, ids[59], stores[59].ID)
	reqs := srv.Requests()
	require.Len(t, reqs, 2, "the paged call, then one without page and limit")
	assert.True(t, reqs[0].Query.Has("page"))
	assert.Empty(t, reqs[1].Query)
}
