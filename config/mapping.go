package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/internal/address"
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
// testers into: listed in the mapping file, or linked from Slack by a QA lead
// (/invite-tester setup), which Source tells apart. There is one type for both
// so that nothing converts one into the other and forgets a field on the way.
type Channel struct {
	ID        string   // Slack channel id (C…, G… or D…)
	Store     string   // Applivery store id, 24 lower-case hex digits
	Apps      []App    // at least one; exactly one for a channel linked from Slack
	Downloads int      // allowedDownloadsNum for new testers; -1 means unlimited
	Domains   []string // email domains allowed (see address.DomainAllowed), lower-case ASCII; empty allows any
	// NotifyTesters sends each invited workspace member a direct message about the app (the
	// file's notify_testers, true unless set to false; on for a link made from Slack).
	NotifyTesters bool

	Source   Source
	LinkedBy string    // FromSlack: the Slack user who made or last changed the link; "" for the file's
	LinkedAt time.Time // FromSlack: when; zero for the file's
}

// Source says where a channel's mapping comes from. The zero value is the
// file, so a Channel the file's reader builds needs nothing more.
type Source uint8

const (
	FromFile  Source = iota // the mapping file (CHANNELS_FILE), which manages the channel
	FromSlack               // linked from Slack with /invite-tester setup, kept in the database
)

// App is one published Applivery application in a store.
type App struct {
	ID   string // publishedApplicationId, 24 lower-case hex digits
	Name string // shown to people in Slack
}

// LoadMapping reads and validates the mapping file at path. Errors name the
// path; validation failures are a *Problems.
func LoadMapping(path string) (*Mapping, error) {
	data, err := readMappingFile(path)
	if err != nil {
		return nil, err
	}
	m, err := ParseMapping(data)
	if problems, ok := errors.AsType[*Problems](err); ok {
		problems.Subject = fmt.Sprintf("channel mapping file %q", path)
	}
	return m, err
}

// readMappingFile reads the file CHANNELS_FILE names, and when it cannot, says how to fix the
// usual causes: no file yet, a directory where the file should be, a file the bot may not read.
func readMappingFile(path string) ([]byte, error) {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("channel mapping file %q (CHANNELS_FILE) does not exist: start from the example, "+
			"`cp channels.example.yaml channels.yaml`, and fill it in, or set CHANNELS_FILE to where yours is (%w)", path, err)
	case err == nil && info.IsDir():
		return nil, fmt.Errorf("channel mapping file %q (CHANNELS_FILE) is a directory, not a file. Docker creates an empty "+
			"directory in its place when the file it should mount does not exist on the host: create the file on the host "+
			"(`cp channels.example.yaml channels.yaml`), remove the directory, and start again; mounting the folder that holds "+
			"the file, not the file itself, avoids this", path)
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrPermission) {
		return nil, fmt.Errorf("channel mapping file %q (CHANNELS_FILE) cannot be read by this process (uid %d; "+
			"uid 65532 in the container image): make it readable, e.g. `chmod a+r` it and its folder (%w)", path, os.Getuid(), err)
	}
	if err != nil {
		return nil, fmt.Errorf("channel mapping file (CHANNELS_FILE): %w", err)
	}
	return data, nil
}

// ParseMapping validates a mapping file's contents. It reports every problem
// it can find in one *Problems error, each with its line where known.
func ParseMapping(data []byte) (*Mapping, error) {
	var r reader
	m := r.file(data)
	if err := r.problems.err("channel mapping"); err != nil {
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

// App returns the channel's app with the given publishedApplicationId.
func (c Channel) App(id string) (App, bool) {
	i := slices.IndexFunc(c.Apps, func(a App) bool { return strings.EqualFold(a.ID, id) })
	if i < 0 {
		return App{}, false
	}
	return c.Apps[i], true
}

// The keys each level of the file accepts.
var (
	topLevel     = level{" at the top level", []string{"qa_leads", "channels"}}
	qaLeadsLevel = level{" in qa_leads", []string{"users", "usergroups"}}
	channelLevel = level{" in a channel", []string{"channel", "store", "apps", "downloads", "domains", "notify_testers"}}
	appLevel     = level{" in an app", []string{"id", "name"}}
)

// file reads the whole mapping. Where part of the file has the wrong shape,
// that is reported and the part's values are left unchecked: they would
// only repeat the problem in a more confusing way.
func (r *reader) file(data []byte) *Mapping {
	root := r.document(data)
	if root == nil {
		return nil
	}
	top, ok := r.mapping(root, topLevel)
	if !ok {
		return nil
	}
	m := &Mapping{}
	leadsOK := true
	if leads := top["qa_leads"]; leads.key != nil {
		m.QALeads, leadsOK = r.qaLeads(leads)
	}
	entries, ok := r.list(top.value("channels"), "a list of channels")
	if !ok {
		return m
	}
	if len(entries) == 0 && m.QALeads == nil && leadsOK {
		// With QA leads, channels can be linked from Slack (/invite-tester setup) instead.
		r.add(top["channels"].line(), "no channels are mapped; list at least one under channels, or name qa_leads so that they can link channels from Slack")
	}
	m.Channels = r.channels(entries)
	return m
}

// Slack ids are an upper-case type letter followed by upper-case letters and
// digits; real ones are 9 to 11 characters today, so only a floor is set.
var (
	channelIDPattern   = regexp.MustCompile(`^[CGD][A-Z0-9]{8,}$`)
	userIDPattern      = regexp.MustCompile(`^[UW][A-Z0-9]{8,}$`)
	usergroupIDPattern = regexp.MustCompile(`^S[A-Z0-9]{8,}$`)
	hexIDPattern       = regexp.MustCompile(`^[0-9a-f]{24}$`)
)

// qaLeads reads qa_leads. Present but empty is a problem rather than
// "anyone", because it usually means the lead ids were commented out by
// mistake and the channels would silently open up. ok is false when
// qa_leads is shaped wrong (already reported).
func (r *reader) qaLeads(p pair) (leads *QALeads, ok bool) {
	f, ok := r.mapping(p.value, qaLeadsLevel)
	if !ok {
		return nil, false
	}
	users, usersOK := r.list(f.value("users"), "a list")
	groups, groupsOK := r.list(f.value("usergroups"), "a list")
	if !usersOK || !groupsOK {
		return nil, false
	}
	if len(users)+len(groups) == 0 {
		r.add(p.line(), "qa_leads lists nobody; add users or usergroups, or remove qa_leads to let anyone in a mapped channel invite")
		return nil, true
	}
	return &QALeads{
		Users:      r.values("", "qa_leads.users", users, matching(userIDPattern), "a Slack user id (U… or W…, e.g. U0123ABCD)"),
		Usergroups: r.values("", "qa_leads.usergroups", groups, matching(usergroupIDPattern), "a Slack user group id (S…, e.g. S0123ABCD)"),
	}, true
}

// channels reads every entry of channels and checks that no channel is
// listed twice.
func (r *reader) channels(entries []*yaml.Node) []Channel {
	var channels []Channel
	ids := firstSeen{}
	for i, n := range entries {
		ch, idLine, ok := r.channel(i, n)
		if !ok {
			continue
		}
		if first, repeated := ids.note(ch.ID, i); repeated {
			r.add(idLine, "channels[%d]: channel %s is listed twice (first at channels[%d])", i, ch.ID, first)
		}
		channels = append(channels, ch)
	}
	return channels
}

// channel reads entry i of channels. ok is false when the entry is empty or
// shaped wrong (already reported); its values are then left unchecked.
// Values that fail their checks are left empty: the caller discards the
// mapping whenever anything failed.
func (r *reader) channel(i int, n *yaml.Node) (ch Channel, idLine int, ok bool) {
	f, ok := r.mapping(n, channelLevel)
	if !ok {
		return Channel{}, 0, false
	}
	if f == nil {
		r.add(n.Line, "channels[%d] is empty; remove it or fill it in", i)
		return Channel{}, 0, false
	}
	apps, appsOK := r.appEntries(f.value("apps"))
	domains, domainsOK := r.list(f.value("domains"), "a list")
	if !appsOK || !domainsOK {
		return Channel{}, 0, false
	}
	c := &channelChecker{r: r, loc: fmt.Sprintf("channels[%d]", i), line: n.Line}
	id := readLeaf(f.value("channel"))
	ch.ID = c.channelID(id)
	if ch.ID != "" {
		c.loc += " (" + ch.ID + ")"
	}
	ch.Store = c.hexID("store", "the Applivery store id", readLeaf(f.value("store")))
	ch.Apps = c.apps(apps)
	ch.Downloads = c.downloads(readLeaf(f.value("downloads")))
	ch.Domains = r.values(c.loc+": ", "domains", domains, address.NormalizeDomain, "an email domain such as acme.com (no @, no wildcards)")
	ch.NotifyTesters = c.notify(readLeaf(f.value("notify_testers")))
	return ch, id.line, true
}

// appEntry is one entry of a channel's apps, read for shape.
type appEntry struct {
	line   int
	fields fields // nil for an empty entry
}

func (r *reader) appEntries(n *yaml.Node) ([]appEntry, bool) {
	nodes, ok := r.list(n, "a list of apps")
	entries := make([]appEntry, len(nodes))
	for j, node := range nodes {
		f, appOK := r.mapping(node, appLevel)
		entries[j] = appEntry{line: node.Line, fields: f}
		ok = ok && appOK
	}
	return entries, ok
}

// channelChecker checks the values of one channel entry; loc prefixes its
// messages and line is used for problems about keys that are missing
// altogether.
type channelChecker struct {
	r    *reader
	loc  string
	line int
}

func (c *channelChecker) add(line int, format string, args ...any) {
	c.r.add(line, "%s: %s", c.loc, fmt.Sprintf(format, args...))
}

// single reports a missing or non-scalar value and says whether v is usable.
func (c *channelChecker) single(key, requiredHint string, v leaf) bool {
	switch v.state {
	case leafMissing:
		c.add(v.lineOr(c.line), "%s is required (%s)", key, requiredHint)
		return false
	case leafNotScalar:
		c.add(v.line, "%s must be a single value, not a list or mapping", key)
		return false
	}
	return true
}

func (c *channelChecker) channelID(v leaf) string {
	if !c.single("channel", "the Slack channel id, e.g. C0123ABCD", v) {
		return ""
	}
	if !channelIDPattern.MatchString(v.text) {
		c.add(v.line, "channel %s is not a Slack channel id (C…, G… or D… then upper-case letters and digits, e.g. C0123ABCD; it is shown at the bottom of the channel's details)", quote(v.text))
		return ""
	}
	return v.text
}

// hexID checks an Applivery (MongoDB ObjectId) id and lower-cases it, so
// that ids copied in either case compare equal.
func (c *channelChecker) hexID(key, hint string, v leaf) string {
	if !c.single(key, hint+", 24 hex digits", v) {
		return ""
	}
	id := strings.ToLower(v.text)
	if !hexIDPattern.MatchString(id) {
		c.add(v.line, "%s %s is not a 24-character hex id", key, quote(v.text))
		return ""
	}
	return id
}

func (c *channelChecker) downloads(v leaf) int {
	if !c.single("downloads", "-1 for unlimited, or how many downloads each new tester gets", v) {
		return 0
	}
	n, err := strconv.Atoi(v.text)
	if err != nil {
		c.add(v.line, "downloads must be a whole number, got %s", quote(v.text))
		return 0
	}
	if n != applivery.Unlimited && n < 1 {
		c.add(v.line, "downloads must be -1 (unlimited) or at least 1, got %d", n)
		return 0
	}
	return n
}

// notify reads notify_testers: true unless it says false.
func (c *channelChecker) notify(v leaf) bool {
	switch v.state {
	case leafMissing:
		return true
	case leafNotScalar:
		c.add(v.line, "notify_testers must be true or false, not a list or mapping")
		return true
	}
	switch strings.ToLower(v.text) {
	case "true", "yes", "on":
		return true
	case "false", "no", "off":
		return false
	}
	c.add(v.line, "notify_testers must be true or false, got %s", quote(v.text))
	return true
}

// apps checks the channel's apps. Names must differ too, because people
// pick an app by its name.
func (c *channelChecker) apps(entries []appEntry) []App {
	if len(entries) == 0 {
		c.add(c.line, "needs at least one app")
		return nil
	}
	apps := make([]App, 0, len(entries))
	ids, names := firstSeen{}, firstSeen{}
	for j, e := range entries {
		if e.fields == nil {
			c.add(e.line, "apps[%d] is empty; remove it or fill it in", j)
			continue
		}
		app, idLine, nameLine := c.app(j, e)
		if first, repeated := ids.note(app.ID, j); repeated {
			c.add(idLine, "apps[%d]: id %s is listed twice (first at apps[%d])", j, app.ID, first)
		}
		if first, repeated := names.note(strings.ToLower(app.Name), j); repeated {
			c.add(nameLine, "apps[%d]: name %q is used twice (first at apps[%d]); names must tell apps apart", j, app.Name, first)
		}
		apps = append(apps, app)
	}
	return apps
}

// app checks entry j of apps and returns the lines of its id and name for
// the duplicate checks.
func (c *channelChecker) app(j int, e appEntry) (app App, idLine, nameLine int) {
	id, name := readLeaf(e.fields.value("id")), readLeaf(e.fields.value("name"))
	idLine, nameLine = id.lineOr(name.lineOr(e.line)), name.lineOr(id.lineOr(e.line))
	appChecker := &channelChecker{r: c.r, loc: fmt.Sprintf("%s: apps[%d]", c.loc, j), line: idLine}
	app.ID = appChecker.hexID("id", "the publishedApplicationId", id)
	name.text = strings.TrimSpace(name.text)
	if name.state == leafScalar && name.text == "" {
		name.state = leafMissing
	}
	if appChecker.single("name", "it is shown to people in Slack", name) {
		app.Name = name.text
	}
	return app, idLine, nameLine
}

// values checks a list of single values, each normalized and checked by
// normalize (what describes a valid one), and reports repeats.
func (r *reader) values(prefix, field string, nodes []*yaml.Node, normalize func(string) (string, bool), what string) []string {
	var values []string
	seen := firstSeen{}
	for j, n := range nodes {
		item, loc := readLeaf(n), fmt.Sprintf("%s%s[%d]", prefix, field, j)
		switch item.state {
		case leafMissing:
			r.add(item.line, "%s is empty", loc)
			continue
		case leafNotScalar:
			r.add(item.line, "%s must be a single value, not a list or mapping", loc)
			continue
		}
		value, ok := normalize(item.text)
		if !ok {
			r.add(item.line, "%s: %s is not %s", loc, quote(item.text), what)
			continue
		}
		if first, repeated := seen.note(value, j); repeated {
			r.add(item.line, "%s: %s is listed twice (first at %s[%d])", loc, value, field, first)
			continue
		}
		values = append(values, value)
	}
	return values
}

// matching adapts a pattern to values' normalize signature.
func matching(pattern *regexp.Regexp) func(string) (string, bool) {
	return func(s string) (string, bool) { return s, pattern.MatchString(s) }
}

// firstSeen remembers where each value first appeared, to word "listed
// twice" problems. Empty values (already reported as invalid) are ignored.
type firstSeen map[string]int

func (f firstSeen) note(value string, at int) (first int, repeated bool) {
	if value == "" {
		return 0, false
	}
	if first, repeated = f[value]; !repeated {
		f[value] = at
	}
	return first, repeated
}
