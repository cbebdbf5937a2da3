package bot

import (
	"encoding/json"
	"testing"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The setup modal's type-ahead of stores and of apps answers QA leads only: anyone else gets an
// empty list, which Slack takes (an answer without "options" it refuses).
func TestSetupTypeAheadAnswersOnlyLeads(t *testing.T) {
	t.Parallel()
	tb := newTestBot(t, leadsMapping)
	_, err := tb.setup.stores(t.Context())
	require.NoError(t, err)
	_, err = tb.setup.publishedApps(t.Context(), betaIOS.Store)
	require.NoError(t, err)
	raw, err := json.Marshal(setupMeta{Channel: betaIOS.ID, Store: betaIOS.Store})
	require.NoError(t, err)
	meta := string(raw)

	for user, want := range map[string]int{ana: 1, olga: 0} {
		stores := slack.InteractionCallback{User: slack.User{ID: user}, Value: betaIOS.Store[:6]}
		apps := slack.InteractionCallback{User: slack.User{ID: user}, Value: "Acme"}
		apps.View.PrivateMetadata = meta
		for name, r := range map[string]reply{"stores": tb.setup.onStoreSuggestion(stores), "apps": tb.setup.onAppSuggestion(apps)} {
			raw, err := json.Marshal(r.ack)
			require.NoError(t, err)
			var got struct{ Options []json.RawMessage }
			require.NoError(t, json.Unmarshal(raw, &got))
			assert.Contains(t, string(raw), `"options":[`, "%s %s: always an options array", user, name)
			if want == 0 {
				assert.Empty(t, got.Options, "%s %s", user, name)
			} else {
				assert.NotEmpty(t, got.Options, "%s %s", user, name)
			}
		}
	}
}

// The replica that answers a type-ahead need not be the one that drew the form: with nothing
// cached, it asks Applivery, and answers a lead with the matches, not with an empty list.
func TestSetupTypeAheadAnswersFromAppliveryOnAReplicaThatDrewNoForm(t *testing.T) {
	t.Parallel()
	tb := newTestBot(t, leadsMapping)
	raw, err := json.Marshal(setupMeta{Channel: betaIOS.ID, Store: betaIOS.Store})
	require.NoError(t, err)
	apps := slack.InteractionCallback{User: slack.User{ID: ana}, Value: "Acme"}
	apps.View.PrivateMetadata = string(raw)
	stores := slack.InteractionCallback{User: slack.User{ID: ana}, Value: betaIOS.Store[:6]}

	for name, r := range map[string]reply{"stores": tb.setup.onStoreSuggestion(stores), "apps": tb.setup.onAppSuggestion(apps)} {
		var got struct{ Options []json.RawMessage }
		raw, err := json.Marshal(r.ack)
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(raw, &got))
		assert.NotEmpty(t, got.Options, "%s: answered from Applivery", name)
	}
}
