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
	tb := newTestBot(t, leadsMapping)
	_, err := tb.stores(t.Context())
	require.NoError(t, err)
	_, err = tb.publishedApps(t.Context(), betaIOS.Store)
	require.NoError(t, err)
	raw, err := json.Marshal(setupMeta{Channel: betaIOS.ID, Store: betaIOS.Store})
	require.NoError(t, err)
	meta := string(raw)

	for user, want := range map[string]int{ana: 1, olga: 0} {
		stores := slack.InteractionCallback{User: slack.User{ID: user}, Value: betaIOS.Store[:6]}
		apps := slack.InteractionCallback{User: slack.User{ID: user}, Value: "Acme"}
		apps.View.PrivateMetadata = meta
		for name, r := range map[string]reply{"stores": tb.onSetupStoreSuggestion(stores), "apps": tb.onSetupAppSuggestion(apps)} {
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
