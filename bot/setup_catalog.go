package bot

import (
	"context"
	"strings"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/applivery"
)

// What the setup modal offers: Applivery's stores and each store's published apps, cached
// briefly, and type-ahead over them.

// Catalog lists what Applivery has to link to; *applivery.Client has it.
type Catalog interface {
	ListStores(ctx context.Context) ([]applivery.Store, error)
	ListPublishedApps(ctx context.Context, storeID string) ([]applivery.PublishedApp, error)
}

// fillCatalog puts Applivery's stores, and the chosen store's apps, in the modal; it returns a
// sentence for people when Applivery could not say.
func (s *setupFlow) fillCatalog(ctx context.Context, m *setupModal) string {
	stores, err := s.stores(ctx)
	if err != nil {
		return ":x: I couldn't list your Applivery stores. " + explainError(err)
	}
	m.Stores = stores
	if m.Store == "" {
		return ""
	}
	if m.Apps, err = s.publishedApps(ctx, m.Store); err != nil {
		return ":x: I couldn't list the store's apps. " + explainError(err)
	}
	return ""
}

func (s *setupFlow) stores(ctx context.Context) ([]applivery.Store, error) {
	return s.storesCache.Get(ctx, "stores", s.catalog.ListStores)
}

func (s *setupFlow) publishedApps(ctx context.Context, storeID string) ([]applivery.PublishedApp, error) {
	return s.appsCache.Get(ctx, storeID, func(ctx context.Context) ([]applivery.PublishedApp, error) {
		return s.catalog.ListPublishedApps(ctx, storeID)
	})
}

// Type-ahead, past a hundred stores or apps. The answer is the ack, so it must come within
// Slack's 3 s; but the replica that answers may not be the one that drew the form, and its cache
// may be empty or stale. So each answer asks through the cache (Applivery on a miss) within
// suggestionBudget, and falls back to the last list this replica saw, if any.

func (s *setupFlow) onStoreSuggestion(cb slack.InteractionCallback) reply {
	ctx, cancel := context.WithTimeout(s.work.context(), suggestionBudget)
	defer cancel()
	if !s.suggestsToLead(ctx, cb.User.ID) {
		return reply{ack: suggestions(nil)}
	}
	stores, err := s.stores(ctx)
	if err != nil {
		s.log.Warn("setup type-ahead: could not list Applivery's stores", "error", err)
		stores, _ = s.storesCache.Peek("stores")
	}
	var options []*slack.OptionBlockObject
	for _, st := range stores {
		options = appendMatch(options, cb.Value, st.ID+" "+st.CustomDomain, st.ID, storeLabel(st))
	}
	return reply{ack: suggestions(options)}
}

func (s *setupFlow) onAppSuggestion(cb slack.InteractionCallback) reply {
	ctx, cancel := context.WithTimeout(s.work.context(), suggestionBudget)
	defer cancel()
	if !s.suggestsToLead(ctx, cb.User.ID) {
		return reply{ack: suggestions(nil)}
	}
	storeID := decodeSetupMeta(cb.View.PrivateMetadata).Store
	if storeID == "" {
		return reply{ack: suggestions(nil)}
	}
	apps, err := s.publishedApps(ctx, storeID)
	if err != nil {
		s.log.Warn("setup type-ahead: could not list a store's apps", "store", storeID, "error", err)
		apps, _ = s.appsCache.Peek(storeID)
	}
	var options []*slack.OptionBlockObject
	for _, a := range apps {
		options = appendMatch(options, cb.Value, a.Name+" "+a.Slug+" "+a.ID, a.ID, appLabel(a))
	}
	return reply{ack: suggestions(options)}
}

// suggestsToLead reports whether the type-ahead of the setup modal may answer this person: a
// QA lead's, like the modal itself. Anyone else, or a check Slack cannot answer in time, gets
// no options (fail closed): the stores and apps are the organisation's.
func (s *setupFlow) suggestsToLead(ctx context.Context, userID string) bool {
	lead, err := s.access.IsLead(ctx, userID)
	if err != nil {
		s.log.Warn("could not check a setup type-ahead's user", "user", userID, "error", err)
	}
	return err == nil && lead
}

// suggestions answers a type-ahead: always with an options array, empty when nothing matches
// (slack.OptionsResponse leaves an empty one out, and Slack refuses an answer without it).
func suggestions(options []*slack.OptionBlockObject) any {
	if options == nil {
		options = []*slack.OptionBlockObject{}
	}
	return struct {
		Options []*slack.OptionBlockObject `json:"options"`
	}{options}
}

// appendMatch adds an option when what it is known by contains query, ignoring case, up to
// Slack's hundred.
func appendMatch(options []*slack.OptionBlockObject, query, knownBy, value, label string) []*slack.OptionBlockObject {
	if len(options) == maxStaticOptions || !strings.Contains(strings.ToLower(knownBy), strings.ToLower(strings.TrimSpace(query))) {
		return options
	}
	return append(options, slack.NewOptionBlockObject(value, plain(label), nil))
}
