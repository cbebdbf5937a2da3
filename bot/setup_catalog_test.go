package bot

import (
	"encoding/json"
	"testing"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// typeAhead is type-ahead in the setup modal's menu blockID, as Slack sends it.
func typeAhead(user, blockID, value, metadata string) slack.InteractionCallback {
	cb := slack.InteractionCallback{Type: slack.InteractionTypeBlockSuggestion, ActionID: blockID,
		User: slack.User{ID: user}, Value: value}
	cb.View.PrivateMetadata = metadata
	return cb
}

// The setup modal's type-ahead of stores and of apps answers QA leads only: anyone else gets an
// empty list, which Slack takes (an answer without "options" it refuses). The lead asks first,
// so the catalog is cached when anyone else asks.
func TestSetupTypeAheadAnswersOnlyLeads(t *testing.T) {
	t.Parallel()
	tb := newTestBot(t, leadsMapping)
	raw, err := json.Marshal(setupMeta{Channel: betaIOS.ID, Store: betaIOS.Store})
	require.NoError(t, err)
	meta := string(raw)

	for _, user := range []string{ana, olga} {
		want := map[string]int{ana: 1, olga: 0}[user]
		stores := typeAhead(user, blockSetupStore, betaIOS.Store[:6], "")
		apps := typeAhead(user, blockSetupApp, "Acme", meta)
		for name, r := range map[string]reply{"stores": tb.handle(stores), "apps": tb.handle(apps)} {
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
	apps := typeAhead(ana, blockSetupApp, "Acme", string(raw))
	stores := typeAhead(ana, blockSetupStore, betaIOS.Store[:6], "")

	for name, r := range map[string]reply{"stores": tb.handle(stores), "apps": tb.handle(apps)} {
		var got struct{ Options []json.RawMessage }
		raw, err := json.Marshal(r.ack)
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(raw, &got))
		assert.NotEmpty(t, got.Options, "%s: answered from Applivery", name)
	}
}
