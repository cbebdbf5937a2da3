package store

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/config"
)

// The audit's JSON keeps the keys audited rows have always had: rows written before
// config.Channel held links, and by another version of the bot during a rolling update, read the
// same.
func TestTheAuditedJSONOfALinkKeepsItsKeys(t *testing.T) {
	t.Parallel()
	at := time.UnixMilli(1_700_000_000_000).UTC()
	const audited = `{"ChannelID":"C0QA","StoreID":"store-1","AppID":"app-42","AppName":"Acme iOS","Downloads":3,` +
		`"Domains":["example.com"],"LinkedBy":"U0LEAD","LinkedAt":"2023-11-14T22:13:20Z","NotifyTesters":false}`
	link := config.Channel{ID: "C0QA", Store: "store-1", Apps: []config.App{{ID: "app-42", Name: "Acme iOS"}}, Downloads: 3,
		Domains: []string{"example.com"}, Source: config.FromSlack, LinkedBy: "U0LEAD", LinkedAt: at}
	got, err := linkJSON(&link)
	require.NoError(t, err)
	require.JSONEq(t, audited, got)
	parsed, err := parseLink(audited)
	require.NoError(t, err)
	require.Equal(t, &link, parsed)

	// Before notify_testers existed, every link notified testers.
	old, err := parseLink(`{"ChannelID":"C0QA","StoreID":"store-1","AppID":"app-42","AppName":"Acme iOS","Downloads":3,` +
		`"Domains":null,"LinkedBy":"U0LEAD","LinkedAt":"2023-11-14T22:13:20Z"}`)
	require.NoError(t, err)
	require.True(t, old.NotifyTesters)
}
