package config

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
)

// Mapping is the validated channel mapping file: which Slack channels may
// invite testers, into which Applivery store and apps, and who may invite.
type Mapping struct {
	// QALeads restricts who may run /invite-tester. nil means anyone in a
	// mapped channel may; when set, it lists at least one user or group.
	QALeads  *QALeads
	Channels []Channel
}

// QALeads are the Slack users and user groups allowed to invite testers.
type QALeads struct {
	Users      []string // user ids, U… or W…
	Usergroups []string // user group ids, S…
}

// Channel is one Slack channel and the Applivery store its members invite
// testers into.
type Channel struct {
	ID        string   // Slack channel id (C…, G… or D…)
	Store     string   // Applivery store id, 24 lower-case hex digits
	Apps      []App    // at least one
	Downloads int      // allowedDownloadsNum for new testers; -1 means unlimited
	Domains   []string // email domains allowed (see address.DomainAllowed), lower-case ASCII; empty allows any
	// NotifyTesters sends each invited workspace member a direct message about the app (the
	// file's notify_testers, true unless set to false).
	NotifyTesters bool
}

// App is one published Applivery application in a store.
type App struct {
	ID   string // publishedApplicationId, 24 lower-case hex digits
	Name string // shown to people in Slack
}

// UnlimitedDownloads is the Downloads value that lets testers download
// without limit.
const UnlimitedDownloads = -1

// LoadMapping reads and validates the mapping file at path. Errors name the
// path; validation failures are a *Problems.
func LoadMapping(path string) (*Mapping, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("channel mapping file: %w", err)
	}
	m, err := ParseMapping(data)
	if problems, ok := errors.AsType[*Problems](err); ok {
		problems.Subject = fmt.Sprintf("channel mapping file %q", path)
	}
	return m, err
}

// ParseMapping validates a mapping file's contents. It reports every problem
// it can find in one *Problems error, each with its line where known.
func ParseMapping(data []byte) (*Mapping, error) {
	var problems problemList
	m := parseMapping(data, &problems)
	if err := problems.err("channel mapping"); err != nil {
		return nil, err
	}
	return m, nil
}

// Channel returns the mapping for a Slack channel id; ok is false when the
// channel is not mapped, i.e. nobody there may invite testers.
func (m *Mapping) Channel(id string) (Channel, bool) {
	i := slices.IndexFunc(m.Channels, func(c Channel) bool { return c.ID == id })
	if i < 0 {
		return Channel{}, false
	}
	return m.Channels[i], true
}

// All returns every mapped channel, in file order.
func (m *Mapping) All() []Channel { return m.Channels }

// App returns the channel's app with the given publishedApplicationId.
func (c Channel) App(id string) (App, bool) {
	i := slices.IndexFunc(c.Apps, func(a App) bool { return strings.EqualFold(a.ID, id) })
	if i < 0 {
		return App{}, false
	}
	return c.Apps[i], true
}
