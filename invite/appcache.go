package invite

import (
	"context"
	"sync"
	"time"
)

// appCache remembers each published app's distribution link, so a burst of invites into the
// same app costs one Applivery call. Failures are not cached: the next request tries again.
type appCache struct {
	api Applivery
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	entries map[string]appCacheEntry
}

type appCacheEntry struct {
	url     string
	fetched time.Time
}

func newAppCache(api Applivery, ttl time.Duration) *appCache {
	return &appCache{api: api, ttl: ttl, now: time.Now, entries: map[string]appCacheEntry{}}
}

// distributionURL returns where testers download the app, or "" when Applivery has none or
// could not be asked (the invite itself has happened; the link is a convenience).
func (c *appCache) distributionURL(ctx context.Context, storeID, appID string) string {
	key := storeID + "/" + appID
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && c.now().Sub(e.fetched) < c.ttl {
		return e.url
	}
	app, err := c.api.GetPublishedApp(ctx, storeID, appID)
	if err != nil {
		return ""
	}
	c.mu.Lock()
	c.entries[key] = appCacheEntry{url: app.DistributionURL, fetched: c.now()}
	c.mu.Unlock()
	return app.DistributionURL
}
