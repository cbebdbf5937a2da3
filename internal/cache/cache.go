// Package cache remembers recently fetched values for a while, so that a burst of requests for
// the same thing (a user group's members, a channel's members, a channel's name) costs one call
// to Slack or Applivery. Concurrent misses for one key share a single fetch (singleflight), no
// lock is held while fetching, and failures are remembered briefly too, so an outage is not
// hammered by every request that arrives during it.
package cache

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// maxEntries bounds the map: past it, expired entries are swept on the next insert.
const maxEntries = 10000

// fetchTimeout bounds a shared fetch, which outlives any single caller's context.
const fetchTimeout = 15 * time.Second

// Cache maps string keys to values of type V. The zero value is not usable; call New.
type Cache[V any] struct {
	ttl     time.Duration // how long a fetched value is served
	failTTL time.Duration // how long a failed fetch is remembered
	missed  func()        // tests: runs between a miss and joining a flight

	flights singleflight.Group
	mu      sync.Mutex
	entries map[string]entry[V]
}

type entry[V any] struct {
	value    V // the last value fetched successfully, kept for Peek even after a failure
	hasValue bool
	err      error // the last fetch's failure; nil once a fetch succeeds
	expires  time.Time
}

// New returns a cache that serves fetched values for ttl and remembers failures for failTTL
// (0: failures are not remembered).
func New[V any](ttl, failTTL time.Duration) *Cache[V] {
	return &Cache[V]{ttl: ttl, failTTL: failTTL, entries: map[string]entry[V]{}}
}

// Get returns the value for key, calling fetch when it is missing or expired. Callers asking for
// the same key at the same time share one fetch; each stops waiting when its own ctx ends. The
// fetch itself runs on a context that no single caller can cancel, bounded by fetchTimeout.
func (c *Cache[V]) Get(ctx context.Context, key string, fetch func(context.Context) (V, error)) (V, error) {
	if e, ok := c.fresh(key); ok {
		if e.err != nil {
			var zero V
			return zero, e.err
		}
		return e.value, nil
	}
	if c.missed != nil {
		c.missed()
	}
	results := c.flights.DoChan(key, func() (any, error) {
		// A caller that missed just before another's flight stored its value starts a flight
		// of its own after that one ended: look again, so a burst still costs one fetch.
		if e, ok := c.fresh(key); ok {
			return e.value, e.err
		}
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
		defer cancel()
		v, err := fetch(fctx)
		c.store(key, v, err)
		return v, err
	})
	select {
	case r := <-results:
		v, _ := r.Val.(V)
		return v, r.Err
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	}
}

// Peek returns a value fetched earlier, even an expired one, without fetching: for acks, which
// cannot wait for a network call.
func (c *Cache[V]) Peek(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[key]
	return e.value, e.hasValue
}

// Set stores a value known without fetching it, e.g. right after this process changed it.
func (c *Cache[V]) Set(key string, v V) { c.store(key, v, nil) }

func (c *Cache[V]) fresh(key string) (entry[V], bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	return e, ok && time.Now().Before(e.expires)
}

func (c *Cache[V]) store(key string, v V, err error) {
	ttl := c.ttl
	if err != nil {
		ttl = c.failTTL
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if err != nil && ttl <= 0 {
		delete(c.entries, key)
		return
	}
	if len(c.entries) >= maxEntries {
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
	}
	e := entry[V]{value: v, hasValue: true, err: err, expires: now.Add(ttl)}
	if err != nil {
		// Get reports the failure until failTTL passes; Peek keeps the last good value.
		old := c.entries[key]
		e.value, e.hasValue = old.value, old.hasValue
	}
	c.entries[key] = e
}
