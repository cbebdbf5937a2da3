package config

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/testerbot/testerbot/address"
)

// channelChecker validates one channel entry; loc prefixes its messages and
// line is used for problems about keys that are missing altogether.
type channelChecker struct {
	problems *problemList
	loc      string
	line     int
}

func (c *channelChecker) add(line int, format string, args ...any) {
	c.problems.add(line, "%s: %s", c.loc, fmt.Sprintf(format, args...))
}

// checkChannel validates one entry of channels. Fields that fail are left
// empty; the caller discards the mapping whenever anything failed.
func checkChannel(i int, doc channelDoc, line int, problems *problemList) Channel {
	c := &channelChecker{problems: problems, loc: fmt.Sprintf("channels[%d]", i), line: line}
	var ch Channel
	ch.ID = c.channelID(readLeaf(doc.Channel))
	if ch.ID != "" {
		c.loc += " (" + ch.ID + ")"
	}
	ch.Store = c.hexID("store", "the Applivery store id", readLeaf(doc.Store))
	ch.Apps = c.apps(doc.Apps)
	ch.Downloads = c.downloads(readLeaf(doc.Downloads))
	ch.Domains = checkList(c.loc+": ", "domains", doc.Domains, address.NormalizeDomain, "an email domain such as acme.com (no @, no wildcards)", problems)
	ch.NotifyTesters = c.notify(readLeaf(doc.Notify))
	return ch
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

func (c *channelChecker) hexID(key, hint string, v leaf) string {
	if !c.single(key, hint+", 24 hex digits", v) {
		return ""
	}
	id, ok := normalizeHexID(v.text)
	if !ok {
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
	if n != UnlimitedDownloads && n < 1 {
		c.add(v.line, "downloads must be -1 (unlimited) or at least 1, got %d", n)
		return 0
	}
	return n
}

// notify reads notify_testers: true unless it says false.
func (c *channelChecker) notify(v leaf) bool {
	switch {
	case v.state == leafMissing:
		return true
	case v.state == leafNotScalar:
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

// apps validates the channel's app list. Names must differ too, because
// people pick an app by its name.
func (c *channelChecker) apps(docs []appDoc) []App {
	if len(docs) == 0 {
		c.add(c.line, "needs at least one app")
		return nil
	}
	apps := make([]App, 0, len(docs))
	ids, names := firstSeen{}, firstSeen{}
	for j, doc := range docs {
		app, idLine, nameLine := c.app(j, doc)
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

// app validates one entry of apps and returns the lines of its id and name
// for the duplicate checks.
func (c *channelChecker) app(j int, doc appDoc) (app App, idLine, nameLine int) {
	id, name := readLeaf(doc.ID), readLeaf(doc.Name)
	idLine, nameLine = id.lineOr(name.lineOr(c.line)), name.lineOr(id.lineOr(c.line))
	appChecker := &channelChecker{problems: c.problems, loc: fmt.Sprintf("%s: apps[%d]", c.loc, j), line: idLine}
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
