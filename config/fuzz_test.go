package config

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/internal/address"
)

// FuzzParseMapping checks that no input makes ParseMapping panic, that it
// fails only with *Problems, and that whatever it accepts obeys the rules
// the rest of the bot relies on.
func FuzzParseMapping(f *testing.F) {
	example, err := os.ReadFile(filepath.Join("..", "channels.example.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	f.Add([]byte(validMapping))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMapping(data)
		if err != nil {
			var problems *Problems
			if !errors.As(err, &problems) || len(problems.List) == 0 || m != nil {
				t.Fatalf("want a non-empty *Problems and no mapping, got %T %v, mapping %v", err, err, m)
			}
			return
		}
		checkMappingInvariants(t, m)
	})
}

var (
	anyChannelID   = regexp.MustCompile(`^[CGD][A-Z0-9]{8,}$`)
	anyUserID      = regexp.MustCompile(`^[UW][A-Z0-9]{8,}$`)
	anyUsergroupID = regexp.MustCompile(`^S[A-Z0-9]{8,}$`)
	anyHexID       = regexp.MustCompile(`^[0-9a-f]{24}$`)
	anyDomain      = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z0-9-]*[a-z][a-z0-9-]*$`)
)

// checkMappingInvariants restates the accepted format independently of the
// validation code.
func checkMappingInvariants(t *testing.T, m *Mapping) {
	t.Helper()
	if m == nil || (len(m.Channels) == 0 && m.QALeads == nil) {
		// QA leads can link channels from Slack; without them a file needs one.
		t.Fatalf("accepted a mapping without channels or QA leads: %+v", m)
	}
	if q := m.QALeads; q != nil {
		if len(q.Users)+len(q.Usergroups) == 0 {
			t.Fatal("accepted qa_leads listing nobody")
		}
		allMatch(t, anyUserID, q.Users)
		allMatch(t, anyUsergroupID, q.Usergroups)
	}
	for _, c := range m.Channels {
		checkChannelInvariants(t, m, c)
	}
}

func checkChannelInvariants(t *testing.T, m *Mapping, c Channel) {
	t.Helper()
	allMatch(t, anyChannelID, []string{c.ID})
	allMatch(t, anyHexID, []string{c.Store})
	allMatch(t, anyDomain, c.Domains)
	if found, ok := m.Channel(c.ID); !ok || found.Store != c.Store {
		t.Fatalf("channel %s is listed twice or cannot be looked up", c.ID)
	}
	if c.Downloads != applivery.Unlimited && c.Downloads < 1 {
		t.Fatalf("channel %s: accepted downloads %d", c.ID, c.Downloads)
	}
	if len(c.Apps) == 0 {
		t.Fatalf("channel %s has no apps", c.ID)
	}
	for _, a := range c.Apps {
		allMatch(t, anyHexID, []string{a.ID})
		if found, ok := c.App(a.ID); !ok || found != a || a.Name == "" {
			t.Fatalf("channel %s: app %+v is unnamed, repeated or cannot be looked up", c.ID, a)
		}
	}
	for _, d := range c.Domains {
		if !address.DomainAllowed("someone@"+d, c.Domains) {
			t.Fatalf("channel %s lists %s but refuses its emails", c.ID, d)
		}
	}
}

func allMatch(t *testing.T, pattern *regexp.Regexp, values []string) {
	t.Helper()
	for _, v := range values {
		if !pattern.MatchString(v) {
			t.Fatalf("accepted %q, which does not match %s", v, pattern)
		}
	}
}
