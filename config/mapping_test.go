package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
)

// validMapping is a small correct file; the rejection cases each break one
// thing in it, so the expected line numbers below refer to these lines.
const validMapping = `qa_leads:
  users: [U0123ABCD]
  usergroups: [S0123ABCD]
channels:
  - channel: C0123ABCD
    store: 64a1b2c3d4e5f6a7b8c9d0e1
    apps:
      - id: 64a1b2c3d4e5f6a7b8c9d0e2
        name: Acme iOS beta
    downloads: 3
    domains: [acme.com]
  - channel: C0456EFGH
    store: 64a1b2c3d4e5f6a7b8c9d0f1
    apps:
      - id: 64a1b2c3d4e5f6a7b8c9d0f2
        name: Acme Android beta
    downloads: -1
`

// variant returns validMapping with the first occurrence of old replaced.
func variant(t *testing.T, old, replacement string) string {
	t.Helper()
	require.Contains(t, validMapping, old, "test case edits text that is not in validMapping")
	return strings.Replace(validMapping, old, replacement, 1)
}

// problemsOf asserts that err is a *Problems and returns its list.
func problemsOf(t *testing.T, err error) []string {
	t.Helper()
	problems, ok := errors.AsType[*Problems](err)
	require.True(t, ok, "want *Problems, got %T: %v", err, err)
	return problems.List
}

func TestParseMappingAcceptsValidFile(t *testing.T) {
	m, err := ParseMapping([]byte(validMapping))
	require.NoError(t, err)
	assert.Equal(t, &Mapping{
		QALeads: &QALeads{Users: []string{"U0123ABCD"}, Usergroups: []string{"S0123ABCD"}},
		Channels: []Channel{{
			ID: "C0123ABCD", Store: "64a1b2c3d4e5f6a7b8c9d0e1",
			Apps:      []App{{ID: "64a1b2c3d4e5f6a7b8c9d0e2", Name: "Acme iOS beta"}},
			Downloads: 3, Domains: []string{"acme.com"}, NotifyTesters: true,
		}, {
			ID: "C0456EFGH", Store: "64a1b2c3d4e5f6a7b8c9d0f1",
			Apps:      []App{{ID: "64a1b2c3d4e5f6a7b8c9d0f2", Name: "Acme Android beta"}},
			Downloads: applivery.Unlimited, NotifyTesters: true,
		}},
	}, m)
}

func TestNotifyTestersIsOnUnlessTheFileSaysOtherwise(t *testing.T) {
	m, err := ParseMapping([]byte(variant(t, "    downloads: 3\n", "    downloads: 3\n    notify_testers: false\n")))
	require.NoError(t, err)
	assert.False(t, m.Channels[0].NotifyTesters)
	assert.True(t, m.Channels[1].NotifyTesters)

	_, err = ParseMapping([]byte(variant(t, "    downloads: 3\n", "    downloads: 3\n    notify_testers: sometimes\n")))
	assert.Equal(t, []string{`line 11: channels[0] (C0123ABCD): notify_testers must be true or false, got "sometimes"`}, problemsOf(t, err))
}

func TestParseMappingNormalizesCaseAndReadsIDsVerbatim(t *testing.T) {
	doc := `channels:
  - channel: C0123ABCD
    store: "64A1B2C3D4E5F6A7B8C9D0E1"
    apps:
      - {id: 640000000000000000000001, name: "  Spaced name  "}
    downloads: 1
    domains: [ACME.com, Partner.IO, Bücher.de, İnfo.com]
`
	m, err := ParseMapping([]byte(doc))
	require.NoError(t, err)
	assert.Nil(t, m.QALeads, "no qa_leads section means anyone may invite")
	ch := m.Channels[0]
	assert.Equal(t, "64a1b2c3d4e5f6a7b8c9d0e1", ch.Store)
	assert.Equal(t, []App{{ID: "640000000000000000000001", Name: "Spaced name"}}, ch.Apps, "an all-digit id must not be read as a number")
	assert.Equal(t, []string{"acme.com", "partner.io", "xn--bcher-kva.de", "xn--info-qwc.com"}, ch.Domains,
		"domains are compared as sent: lower-case, internationalised ones in punycode (İnfo.com is not info.com)")
}

func TestParseMappingFollowsAliases(t *testing.T) {
	doc := `channels:
  - channel: C0123ABCD
    store: &store 64a1b2c3d4e5f6a7b8c9d0e1
    apps: [{id: 64a1b2c3d4e5f6a7b8c9d0e2, name: iOS}]
    downloads: &n 2
  - channel: C0456EFGH
    store: *store
    apps: [{id: 64a1b2c3d4e5f6a7b8c9d0e2, name: iOS}]
    downloads: *n
`
	m, err := ParseMapping([]byte(doc))
	require.NoError(t, err)
	assert.Equal(t, "64a1b2c3d4e5f6a7b8c9d0e1", m.Channels[1].Store)
	assert.Equal(t, 2, m.Channels[1].Downloads)
}

func TestParseMappingRejects(t *testing.T) {
	appsOfFirst := "    apps:\n      - id: 64a1b2c3d4e5f6a7b8c9d0e2\n        name: Acme iOS beta\n"
	secondApp := func(id, name string) string {
		return appsOfFirst + "      - id: " + id + "\n        name: " + name + "\n"
	}
	tests := []struct {
		name      string
		old, repl string
		want      []string
	}{
		{"store not hex", "store: 64a1b2c3d4e5f6a7b8c9d0e1", "store: abc",
			[]string{`line 6: channels[0] (C0123ABCD): store "abc" is not a 24-character hex id`}},
		{"store missing", "    store: 64a1b2c3d4e5f6a7b8c9d0e1\n", "",
			[]string{`line 5: channels[0] (C0123ABCD): store is required (the Applivery store id, 24 hex digits)`}},
		{"store is a list", "store: 64a1b2c3d4e5f6a7b8c9d0e1", "store: [64a1b2c3d4e5f6a7b8c9d0e1]",
			[]string{`line 6: channels[0] (C0123ABCD): store must be a single value, not a list or mapping`}},
		{"channel listed twice", "channel: C0456EFGH", "channel: C0123ABCD",
			[]string{`line 12: channels[1]: channel C0123ABCD is listed twice (first at channels[0])`}},
		{"channel name instead of id", "channel: C0123ABCD", `channel: "#acme-beta"`,
			[]string{`line 5: channels[0]: channel "#acme-beta" is not a Slack channel id (C…, G… or D… then upper-case letters and digits, e.g. C0123ABCD; it is shown at the bottom of the channel's details)`}},
		{"channel id too short", "channel: C0123ABCD", "channel: C0123",
			[]string{`line 5: channels[0]: channel "C0123" is not a Slack channel id (C…, G… or D… then upper-case letters and digits, e.g. C0123ABCD; it is shown at the bottom of the channel's details)`}},
		{"channel missing", "  - channel: C0123ABCD\n    store", "  - store",
			[]string{`line 5: channels[0]: channel is required (the Slack channel id, e.g. C0123ABCD)`}},
		{"no apps", appsOfFirst, "    apps: []\n",
			[]string{`line 5: channels[0] (C0123ABCD): needs at least one app`}},
		{"apps key missing", appsOfFirst, "",
			[]string{`line 5: channels[0] (C0123ABCD): needs at least one app`}},
		{"app id listed twice", appsOfFirst, secondApp("64a1b2c3d4e5f6a7b8c9d0e2", "Other"),
			[]string{`line 10: channels[0] (C0123ABCD): apps[1]: id 64a1b2c3d4e5f6a7b8c9d0e2 is listed twice (first at apps[0])`}},
		{"app name used twice", appsOfFirst, secondApp("64a1b2c3d4e5f6a7b8c9d0e3", "ACME iOS Beta"),
			[]string{`line 11: channels[0] (C0123ABCD): apps[1]: name "ACME iOS Beta" is used twice (first at apps[0]); names must tell apps apart`}},
		{"app id not hex", "id: 64a1b2c3d4e5f6a7b8c9d0e2", "id: acme-ios",
			[]string{`line 8: channels[0] (C0123ABCD): apps[0]: id "acme-ios" is not a 24-character hex id`}},
		{"app name blank", "name: Acme iOS beta", `name: "  "`,
			[]string{`line 9: channels[0] (C0123ABCD): apps[0]: name is required (it is shown to people in Slack)`}},
		{"app id missing", "      - id: 64a1b2c3d4e5f6a7b8c9d0e2\n        name", "      - name",
			[]string{`line 8: channels[0] (C0123ABCD): apps[0]: id is required (the publishedApplicationId, 24 hex digits)`}},
		{"downloads zero", "downloads: 3", "downloads: 0",
			[]string{`line 10: channels[0] (C0123ABCD): downloads must be -1 (unlimited) or at least 1, got 0`}},
		{"downloads below -1", "downloads: 3", "downloads: -2",
			[]string{`line 10: channels[0] (C0123ABCD): downloads must be -1 (unlimited) or at least 1, got -2`}},
		{"downloads not a number", "downloads: 3", "downloads: many",
			[]string{`line 10: channels[0] (C0123ABCD): downloads must be a whole number, got "many"`}},
		{"downloads missing", "    downloads: 3\n", "",
			[]string{`line 5: channels[0] (C0123ABCD): downloads is required (-1 for unlimited, or how many downloads each new tester gets)`}},
		{"downloads empty", "downloads: 3", "downloads:",
			[]string{`line 10: channels[0] (C0123ABCD): downloads is required (-1 for unlimited, or how many downloads each new tester gets)`}},
		{"misspelt key", "downloads: 3", "dowloads: 3", []string{
			`line 5: channels[0] (C0123ABCD): downloads is required (-1 for unlimited, or how many downloads each new tester gets)`,
			`line 10: unknown key "dowloads" in a channel (expected one of: channel, store, apps, downloads, domains, notify_testers)`,
		}},
		{"unknown app key", "        name: Acme iOS beta", "        name: Acme iOS beta\n        platform: ios", []string{
			`line 10: unknown key "platform" in an app (expected one of: id, name)`,
		}},
		{"unknown top-level key", "channels:", "defaults: {}\nchannels:", []string{
			`line 4: unknown key "defaults" at the top level (expected one of: qa_leads, channels)`,
		}},
		{"repeated key", "    downloads: 3\n", "    downloads: 3\n    downloads: 4\n",
			[]string{`line 11: key "downloads" is repeated (first at line 10)`}},
		{"apps not a list", appsOfFirst, "    apps: Acme iOS beta\n",
			[]string{`line 7: expected a list of apps here, found a single value "Acme iOS beta"`}},
		{"domain with @", "domains: [acme.com]", "domains: ['@acme.com']",
			[]string{`line 11: channels[0] (C0123ABCD): domains[0]: "@acme.com" is not an email domain such as acme.com (no @, no wildcards)`}},
		{"wildcard domain", "domains: [acme.com]", "domains: ['*.acme.com']",
			[]string{`line 11: channels[0] (C0123ABCD): domains[0]: "*.acme.com" is not an email domain such as acme.com (no @, no wildcards)`}},
		{"domain without dot", "domains: [acme.com]", "domains: [localhost]",
			[]string{`line 11: channels[0] (C0123ABCD): domains[0]: "localhost" is not an email domain such as acme.com (no @, no wildcards)`}},
		{"domain listed twice", "domains: [acme.com]", "domains: [acme.com, ACME.COM]",
			[]string{`line 11: channels[0] (C0123ABCD): domains[1]: acme.com is listed twice (first at domains[0])`}},
		{"domain listed twice, once in punycode", "domains: [acme.com]", "domains: [bücher.de, XN--BCHER-KVA.DE]",
			[]string{`line 11: channels[0] (C0123ABCD): domains[1]: xn--bcher-kva.de is listed twice (first at domains[0])`}},
		{"domain with a zero-width space", "domains: [acme.com]", `domains: ["acme\u200b.com"]`,
			[]string{`line 11: channels[0] (C0123ABCD): domains[0]: "acme\u200b.com" is not an email domain such as acme.com (no @, no wildcards)`}},
		{"domains not a list", "domains: [acme.com]", "domains: acme.com",
			[]string{`line 11: expected a list here, found a single value "acme.com"`}},
		{"bad user id", "users: [U0123ABCD]", "users: [ana]",
			[]string{`line 2: qa_leads.users[0]: "ana" is not a Slack user id (U… or W…, e.g. U0123ABCD)`}},
		{"bad user group id", "usergroups: [S0123ABCD]", "usergroups: ['@qa-team']",
			[]string{`line 3: qa_leads.usergroups[0]: "@qa-team" is not a Slack user group id (S…, e.g. S0123ABCD)`}},
		{"qa_leads with nobody", "  users: [U0123ABCD]\n  usergroups: [S0123ABCD]\n", "  users: []\n",
			[]string{`line 1: qa_leads lists nobody; add users or usergroups, or remove qa_leads to let anyone in a mapped channel invite`}},
		{"qa_leads emptied by comments", "  users: [U0123ABCD]\n  usergroups: [S0123ABCD]\n", "  # users: [U0123ABCD]\n",
			[]string{`line 1: qa_leads lists nobody; add users or usergroups, or remove qa_leads to let anyone in a mapped channel invite`}},
		{"empty entry", "  - channel: C0456EFGH", "  -\n  - channel: C0456EFGH",
			[]string{`line 12: channels[1] is empty; remove it or fill it in`}},
		{"entry that is not a mapping", "  - channel: C0456EFGH", "  - C0789IJKL\n  - channel: C0456EFGH",
			[]string{`line 12: expected a mapping with keys channel, store, apps, downloads, domains, notify_testers here, found a single value "C0789IJKL"`}},
		{"second document", "    downloads: -1\n", "    downloads: -1\n---\nchannels: []\n",
			[]string{`line 18: the file holds more than one YAML document (---); keep everything in one`}},
		{"empty app entry", appsOfFirst, "    apps:\n      -\n      - id: 64a1b2c3d4e5f6a7b8c9d0e2\n        name: Acme iOS beta\n",
			[]string{`line 8: channels[0] (C0123ABCD): apps[0] is empty; remove it or fill it in`}},
		{"key written three times", "    downloads: 3\n", "    downloads: 3\n    downloads: 4\n    downloads: 5\n", []string{
			`line 11: key "downloads" is repeated (first at line 10)`,
			`line 12: key "downloads" is repeated (first at line 10)`,
		}},
		{"key that is not a single value", "    downloads: 3\n", "    downloads: 3\n    ? [color]\n    : red\n",
			[]string{`line 11: expected a single value here, found a list`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseMapping([]byte(variant(t, tt.old, tt.repl)))
			assert.Nil(t, m)
			assert.Equal(t, tt.want, problemsOf(t, err))
		})
	}
}

func TestParseMappingMerges(t *testing.T) {
	doc := `channels:
  - &acme
    channel: C0123ABCD
    store: 64a1b2c3d4e5f6a7b8c9d0e1
    apps: [{id: 64a1b2c3d4e5f6a7b8c9d0e2, name: iOS}]
    downloads: 3
  - <<: [*acme, {downloads: 9, domains: [acme.com]}]
    channel: C0456EFGH
    downloads: -1
`
	m, err := ParseMapping([]byte(doc))
	require.NoError(t, err)
	assert.Equal(t, Channel{
		ID: "C0456EFGH", Store: "64a1b2c3d4e5f6a7b8c9d0e1",
		Apps:      []App{{ID: "64a1b2c3d4e5f6a7b8c9d0e2", Name: "iOS"}},
		Downloads: applivery.Unlimited, Domains: []string{"acme.com"}, NotifyTesters: true,
	}, m.Channels[1], "its own keys win over merged ones, earlier merged mappings over later ones")

	_, err = ParseMapping([]byte(strings.Replace(doc, "<<: [*acme, {downloads: 9, domains: [acme.com]}]", "<<: acme", 1)))
	assert.Equal(t, []string{`line 7: expected a mapping to merge (<<) here, found a single value "acme"`}, problemsOf(t, err))
}

// A value reached through an alias is reported where the alias is written;
// a mapping used twice through aliases has its problems listed once.
func TestParseMappingReportsAliasesWhereTheyAreUsed(t *testing.T) {
	doc := `channels:
  - channel: C0123ABCD
    store: &store 64a1b2c3d4e5f6a7b8c9d0e1
    apps: &apps [{id: 64a1b2c3d4e5f6a7b8c9d0e2, name: iOS, platform: ios}]
    downloads: 3
  - channel: C0456EFGH
    store: 64a1b2c3d4e5f6a7b8c9d0f1
    apps: *store
    downloads: 3
  - channel: C0789IJKL
    store: 64a1b2c3d4e5f6a7b8c9d0f1
    apps: *apps
    downloads: 3
`
	_, err := ParseMapping([]byte(doc))
	assert.Equal(t, []string{
		`line 4: unknown key "platform" in an app (expected one of: id, name)`,
		`line 8: expected a list of apps here, found a single value "64a1b2c3d4e5f6a7b8c9d0e1"`,
	}, problemsOf(t, err))
}

// A part of the file shaped wrong is reported and its values left
// unchecked; the other parts are still checked.
func TestParseMappingChecksWhatItCanRead(t *testing.T) {
	doc := `qa_leads:
  users: [ana]
channels:
  channel: C0123ABCD
`
	_, err := ParseMapping([]byte(doc))
	assert.Equal(t, []string{
		`line 2: qa_leads.users[0]: "ana" is not a Slack user id (U… or W…, e.g. U0123ABCD)`,
		`line 4: expected a list of channels here, found a mapping`,
	}, problemsOf(t, err))
}

func TestParseMappingRejectsFilesWithoutChannels(t *testing.T) {
	tests := map[string]struct{ doc, want string }{
		"empty":         {"", "the file is empty; it needs at least a channels list"},
		"only comments": {"# channels: []\n", "the file is empty; it needs at least a channels list"},
		"only a marker": {"---\n", "the file is empty; it needs at least a channels list"},
		"empty list":    {"channels: []\n", "line 1: " + noChannels},
		"not a mapping": {"- C0123ABCD\n", "line 1: expected a mapping with keys qa_leads, channels here, found a list"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ParseMapping([]byte(tt.doc))
			assert.Equal(t, []string{tt.want}, problemsOf(t, err))
		})
	}
}

const noChannels = "no channels are mapped; list at least one under channels, or name qa_leads so that they can link channels from Slack"

// With QA leads, channels can all be linked from Slack: the file may list none.
func TestParseMappingAcceptsLeadsWithoutChannels(t *testing.T) {
	for _, doc := range []string{"qa_leads: {users: [U0123ABCD]}\n", "qa_leads: {users: [U0123ABCD]}\nchannels: []\n"} {
		m, err := ParseMapping([]byte(doc))
		require.NoError(t, err, doc)
		assert.Empty(t, m.Channels)
		assert.Equal(t, []string{"U0123ABCD"}, m.QALeads.Users)
	}
}

func TestParseMappingReportsSyntaxErrorsWithLine(t *testing.T) {
	doc := "channels:\n\t- channel: C0123ABCD\n"
	_, err := ParseMapping([]byte(doc))
	assert.Equal(t, []string{"line 2: a tab indents this line; YAML indents with spaces only, so replace the tab with spaces" +
		" (the YAML parser says: line 2: found character that cannot start any token)"}, problemsOf(t, err))
	_, err = ParseMapping([]byte("channels: [\n"))
	assert.Equal(t, []string{"line 1: did not find expected node content"}, problemsOf(t, err), "a mistake that is not indentation keeps the parser's words")
}

func TestParseMappingReportsEveryProblemAtOnce(t *testing.T) {
	doc := `qa_leads:
  users: [ana, U0123ABCD]
channels:
  - channel: C0123ABCD
    store: abc
    apps: []
    downloads: 0
    domains: [acme]
    color: red
  - channel: C0456EFGH
    store: 64a1b2c3d4e5f6a7b8c9d0f1
    store: 64a1b2c3d4e5f6a7b8c9d0f1
  - channel: C0123ABCD
    store: 64a1b2c3d4e5f6a7b8c9d0f1
    apps: [{id: 64a1b2c3d4e5f6a7b8c9d0f2}]
    downloads: -1
`
	_, err := ParseMapping([]byte(doc))
	assert.Equal(t, []string{
		`line 2: qa_leads.users[0]: "ana" is not a Slack user id (U… or W…, e.g. U0123ABCD)`,
		`line 4: channels[0] (C0123ABCD): needs at least one app`,
		`line 5: channels[0] (C0123ABCD): store "abc" is not a 24-character hex id`,
		`line 7: channels[0] (C0123ABCD): downloads must be -1 (unlimited) or at least 1, got 0`,
		`line 8: channels[0] (C0123ABCD): domains[0]: "acme" is not an email domain such as acme.com (no @, no wildcards)`,
		`line 9: unknown key "color" in a channel (expected one of: channel, store, apps, downloads, domains, notify_testers)`,
		`line 12: key "store" is repeated (first at line 11)`,
		`line 13: channels[2]: channel C0123ABCD is listed twice (first at channels[0])`,
		`line 15: channels[2] (C0123ABCD): apps[0]: name is required (it is shown to people in Slack)`,
	}, problemsOf(t, err))
}

func TestLoadMappingReadsTheExampleFile(t *testing.T) {
	m, err := LoadMapping(filepath.Join("..", "channels.example.yaml"))
	require.NoError(t, err)
	assert.Equal(t, &Mapping{
		QALeads: &QALeads{Users: []string{"U0123ABCD", "W0456EFGH"}, Usergroups: []string{"S0789IJKL"}},
		Channels: []Channel{{
			ID: "C0123ABCD", Store: "64a1b2c3d4e5f6a7b8c9d0e1",
			Apps: []App{
				{ID: "64a1b2c3d4e5f6a7b8c9d0e2", Name: "Acme iOS beta"},
				{ID: "64a1b2c3d4e5f6a7b8c9d0e3", Name: "Acme Android beta"},
			},
			Downloads: 3, Domains: []string{"acme.com", "partner.io"}, NotifyTesters: true,
		}, {
			ID: "G0ABCDEF12", Store: "64b0c0d0e0f0a1b2c3d4e5f6",
			Apps:      []App{{ID: "64b0c0d0e0f0a1b2c3d4e5f7", Name: "Internal nightly"}},
			Downloads: applivery.Unlimited, NotifyTesters: true,
		}},
	}, m)
}

func TestLoadMappingNamesThePath(t *testing.T) {
	dir := t.TempDir()

	missing := filepath.Join(dir, "missing.yaml")
	_, err := LoadMapping(missing)
	require.ErrorIs(t, err, fs.ErrNotExist)
	assert.Contains(t, err.Error(), missing)

	invalid := filepath.Join(dir, "channels.yaml")
	require.NoError(t, os.WriteFile(invalid, []byte("channels: []\n"), 0o600))
	_, err = LoadMapping(invalid)
	problems, ok := errors.AsType[*Problems](err)
	require.True(t, ok)
	assert.Equal(t, `channel mapping file "`+invalid+`" is invalid:
  - line 1: `+noChannels, problems.Error())
}

func TestMappingLookups(t *testing.T) {
	m, err := ParseMapping([]byte(validMapping))
	require.NoError(t, err)

	ch, ok := m.Channel("C0456EFGH")
	require.True(t, ok)
	assert.Equal(t, "64a1b2c3d4e5f6a7b8c9d0f1", ch.Store)
	_, ok = m.Channel("C9999ZZZZ")
	assert.False(t, ok, "unmapped channel")

	app, ok := ch.App("64A1B2C3D4E5F6A7B8C9D0F2")
	require.True(t, ok, "app ids match in any case")
	assert.Equal(t, "Acme Android beta", app.Name)
	_, ok = ch.App("64a1b2c3d4e5f6a7b8c9d0e2")
	assert.False(t, ok, "an app of another channel")
}
