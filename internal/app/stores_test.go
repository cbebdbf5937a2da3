package app_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/applivery/appliverytest"
	"github.com/testerbot/testerbot/config"
)

const (
	betaStore    = "64a1b2c3d4e5f6a7b8c9d0e1"
	iosPub       = "64a1b2c3d4e5f6a7b8c9d0e2"
	androidPub   = "64a1b2c3d4e5f6a7b8c9d0e3"
	digitStore   = "640000000000000000000000" // all digits: YAML must keep it a string
	internalPub  = "640000000000000000000001"
	emptyStoreID = "64ffffffffffffffffffffff"
)

// storesFake is an organization with three stores: one with a custom domain and two
// publications, one whose only publication has an awkward name, and one with none.
func storesFake(t *testing.T) *appliverytest.Server {
	t.Helper()
	fake := appliverytest.New(t)
	created := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	fake.AddStore(betaStore, "Acme beta", appliverytest.StoreCustomDomain("beta.acme.io"), appliverytest.StoreCreatedAt(created))
	fake.AddPublishedApp(betaStore, iosPub, "Acme iOS beta", "https://beta.acme.io/ios")
	fake.AddPublishedApp(betaStore, androidPub, "Acme Android beta", "", appliverytest.AppSlug("droid"), appliverytest.AppVisibility("unlisted"))
	fake.AddStore(digitStore, "Internal")
	fake.AddPublishedApp(digitStore, internalPub, `Nightly: "QA" #1`+"\tbuild", "")
	fake.AddStore(emptyStoreID, "Empty")
	return fake
}

// appliveryOnlyEnv is all `testerbot stores` needs: no Slack token, no mapping file.
func appliveryOnlyEnv(fake *appliverytest.Server, token string) map[string]string {
	return map[string]string{
		"APPLIVERY_API_TOKEN":    token,
		"APPLIVERY_ORGANIZATION": fake.Organization(),
		"APPLIVERY_API_URL":      fake.URL(),
		"APPLIVERY_TIMEOUT":      "5s",
	}
}

func TestStoresListsEveryStoreAndPublication(t *testing.T) {
	fake := storesFake(t)

	code, out := runMain(t, appliveryOnlyEnv(fake, fake.Token()), "stores")
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "Store "+betaStore+" (custom domain beta.acme.io, created 2026-03-01)")
	assert.Regexp(t, `(?m)^  PUBLICATION\s+SLUG\s+NAME\s+VISIBILITY\s+DISTRIBUTION URL$`, out)
	assert.Regexp(t, `(?m)^  `+iosPub+`\s+acme-ios-beta\s+Acme iOS beta\s+active\s+https://beta\.acme\.io/ios$`, out)
	assert.Regexp(t, `(?m)^  `+androidPub+`\s+droid\s+Acme Android beta\s+unlisted\s+-$`, out)
	assert.Regexp(t, `(?m)^Store `+digitStore+` \(no custom domain, created \d{4}-\d\d-\d\d\)$`, out)
	assert.Contains(t, out, `Nightly: "QA" #1 build`, "a tab in a name does not break the table")
	assert.Regexp(t, `(?m)^Store `+emptyStoreID+` .*\n  no published apps$`, out)
}

func TestStoresWalksEveryPage(t *testing.T) {
	fake := appliverytest.New(t)
	ids := fake.SeedStores(53)
	apps := fake.SeedPublishedApps(ids[52], 51)

	code, out := runMain(t, appliveryOnlyEnv(fake, fake.Token()), "stores")
	require.Equal(t, 0, code, out)
	assert.Equal(t, 53, strings.Count(out, "Store "))
	assert.Contains(t, out, apps[50])
	assert.Equal(t, 2, fake.Count("GET", "/stores"), "two pages of stores")
	assert.Equal(t, 2, fake.Count("GET", ids[52]+"/pubApps"), "two pages of publications")
}

func TestStoresYAMLIsAMappingOnceTheChannelsAreFilledIn(t *testing.T) {
	fake := storesFake(t)

	code, out := runMain(t, appliveryOnlyEnv(fake, fake.Token()), "stores", "--yaml")
	require.Equal(t, 0, code, out)
	assert.Equal(t, 3, strings.Count(out, "- channel: C_FILL_ME_IN"), out)
	assert.Contains(t, out, "downloads: 1 # downloads each new tester gets; -1 = unlimited")
	assert.Contains(t, out, "  # Store "+betaStore+" (custom domain beta.acme.io, created 2026-03-01)\n"+
		"  # publication acme-ios-beta, visibility active, https://beta.acme.io/ios\n  - channel:")
	_, err := config.ParseMapping([]byte(out))
	require.Error(t, err, "placeholders are refused, so a forgotten one cannot go live")

	n := 0
	filled := regexp.MustCompile(`channel: C_FILL_ME_IN`).ReplaceAllStringFunc(out, func(string) string {
		n++
		return fmt.Sprintf("channel: C0000000%02d", n)
	})
	mapping, err := config.ParseMapping([]byte(filled))
	require.NoError(t, err, filled)
	assert.Equal(t, []config.Channel{
		{ID: "C000000001", Store: betaStore, Apps: []config.App{{ID: iosPub, Name: "Acme iOS beta"}}, Downloads: 1, NotifyTesters: true},
		{ID: "C000000002", Store: betaStore, Apps: []config.App{{ID: androidPub, Name: "Acme Android beta"}}, Downloads: 1, NotifyTesters: true},
		{ID: "C000000003", Store: digitStore, Apps: []config.App{{ID: internalPub, Name: `Nightly: "QA" #1` + "\tbuild"}}, Downloads: 1, NotifyTesters: true},
	}, mapping.Channels)
}

func TestStoresYAMLWithoutPublications(t *testing.T) {
	fake := appliverytest.New(t)
	fake.AddStore(emptyStoreID, "Empty")

	code, out := runMain(t, appliveryOnlyEnv(fake, fake.Token()), "stores", "--yaml")
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "channels: []")
	assert.Contains(t, out, "no published apps yet")
}

func TestStoresWithAWrongTokenNamesTheVariable(t *testing.T) {
	fake := storesFake(t)
	const token = "sk-wrong-but-secret-9f8e"

	code, out := runMain(t, appliveryOnlyEnv(fake, token), "stores")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "check APPLIVERY_API_TOKEN")
	assert.Contains(t, out, "Invalid Token")
	assert.NotContains(t, out, token)
	assert.NotContains(t, out, "Store ")
}

func TestStoresNamesTheMissingPermission(t *testing.T) {
	fake := storesFake(t)
	fake.AddToken("no-permissions")
	fake.AddToken("stores-only", applivery.PermissionListStores)

	code, out := runMain(t, appliveryOnlyEnv(fake, "no-permissions"), "stores")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "lacks the Applivery permission mad.store.management.list")

	code, out = runMain(t, appliveryOnlyEnv(fake, "stores-only"), "stores", "--yaml")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "lacks the Applivery permission mad.store.publishedApplication.list")
	assert.NotContains(t, out, "stores-only")
}

func TestStoresNeedsOnlyTheAppliveryVariables(t *testing.T) {
	code, out := runMain(t, map[string]string{"APPLIVERY_TIMEOUT": "soon", "LOG_FORMAT": "xml"}, "stores")
	assert.Equal(t, 1, code)
	for _, name := range []string{"APPLIVERY_API_TOKEN", "APPLIVERY_ORGANIZATION", "APPLIVERY_TIMEOUT"} {
		assert.Contains(t, out, name)
	}
	for _, name := range []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "LOG_FORMAT", "CHANNELS_FILE"} {
		assert.NotContains(t, out, name)
	}
}

func TestStoresRefusesUnknownArguments(t *testing.T) {
	for _, args := range [][]string{{"stores", "--json"}, {"stores", "extra"}} {
		code, out := runMain(t, nil, args...)
		assert.Equal(t, 2, code, args)
		assert.Contains(t, out, "testerbot stores --yaml", "the usage is shown")
	}
}
