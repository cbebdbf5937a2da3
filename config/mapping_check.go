package config

import (
	"fmt"
	"regexp"

	"go.yaml.in/yaml/v3"
)

// checkMapping turns the decoded file into a Mapping, adding a problem for
// every value that breaks the format's rules. Sections listed in d were
// already reported by the decoder and are skipped.
func checkMapping(doc fileDoc, l layout, d damage, problems *problemList) *Mapping {
	m := &Mapping{}
	if !d.qaLeads {
		m.QALeads = checkQALeads(doc.QALeads, l.qaLeadsKeyLine, problems)
	}
	entries, ok := pairEntries(doc.Channels, l.channels)
	if !ok {
		problems.add(l.channelsLine, "channels: some entries could not be read; check that each is a mapping")
		return nil
	}
	if len(entries) == 0 && m.QALeads == nil && !d.qaLeads {
		// With QA leads, channels can be linked from Slack (/invite-tester setup) instead.
		problems.add(l.channelsLine, "no channels are mapped; list at least one under channels, or name qa_leads so that they can link channels from Slack")
	}
	m.Channels = checkChannels(entries, d, problems)
	return m
}

// checkChannels validates each entry the decoder did not already report, and
// that no channel is listed twice.
func checkChannels(entries []channelEntry, d damage, problems *problemList) []Channel {
	var channels []Channel
	ids := firstSeen{}
	for _, e := range entries {
		switch {
		case e.slot.null:
			problems.add(e.slot.first, "channels[%d] is empty; remove it or fill it in", e.index)
		case e.doc == nil || d.channels[e.index]:
			continue // the decoder already reported why
		default:
			ch := checkChannel(e.index, *e.doc, e.slot.first, problems)
			if first, repeated := ids.note(ch.ID, e.index); repeated {
				problems.add(readLeaf(e.doc.Channel).line, "channels[%d]: channel %s is listed twice (first at channels[%d])", e.index, ch.ID, first)
			}
			channels = append(channels, ch)
		}
	}
	return channels
}

// channelEntry is one written entry of channels with its decoded form, if
// the decoder kept it.
type channelEntry struct {
	index int
	slot  channelSlot
	doc   *channelDoc
}

// pairEntries matches decoded channels to the written entries they came
// from. ok is false if the layout's prediction of which entries the decoder
// keeps turned out wrong, in which case no pairing can be trusted.
func pairEntries(docs []channelDoc, slots []channelSlot) (entries []channelEntry, ok bool) {
	if countDecoded(slots) != len(docs) {
		return nil, false
	}
	next := 0
	for i, slot := range slots {
		e := channelEntry{index: i, slot: slot}
		if slot.decoded {
			e.doc = &docs[next]
			next++
		}
		entries = append(entries, e)
	}
	return entries, true
}

func countDecoded(slots []channelSlot) int {
	n := 0
	for _, s := range slots {
		if s.decoded {
			n++
		}
	}
	return n
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

// checkQALeads returns nil when qa_leads is absent. Present but empty is an
// error rather than "anyone", because it usually means the lead ids were
// commented out by mistake and the channel would silently open up.
func checkQALeads(doc *qaLeadsDoc, keyLine int, problems *problemList) *QALeads {
	if keyLine == 0 {
		return nil
	}
	if doc == nil || len(doc.Users)+len(doc.Usergroups) == 0 {
		problems.add(keyLine, "qa_leads lists nobody; add users or usergroups, or remove qa_leads to let anyone in a mapped channel invite")
		return nil
	}
	return &QALeads{
		Users:      checkList("", "qa_leads.users", doc.Users, matching(userIDPattern), "a Slack user id (U… or W…, e.g. U0123ABCD)", problems),
		Usergroups: checkList("", "qa_leads.usergroups", doc.Usergroups, matching(usergroupIDPattern), "a Slack user group id (S…, e.g. S0123ABCD)", problems),
	}
}

// matching adapts a pattern to checkList's normalize signature.
func matching(pattern *regexp.Regexp) func(string) (string, bool) {
	return func(s string) (string, bool) { return s, pattern.MatchString(s) }
}

// checkList validates a list of single values, each normalized and checked
// by normalize (what describes a valid value), and reports repeats.
func checkList(prefix, field string, nodes []yaml.Node, normalize func(string) (string, bool), what string, problems *problemList) []string {
	var values []string
	seen := firstSeen{}
	for j, n := range nodes {
		item, loc := readLeaf(n), fmt.Sprintf("%s%s[%d]", prefix, field, j)
		switch item.state {
		case leafMissing:
			problems.add(item.line, "%s is empty", loc)
			continue
		case leafNotScalar:
			problems.add(item.line, "%s must be a single value, not a list or mapping", loc)
			continue
		}
		value, ok := normalize(item.text)
		if !ok {
			problems.add(item.line, "%s: %s is not %s", loc, quote(item.text), what)
			continue
		}
		if first, repeated := seen.note(value, j); repeated {
			problems.add(item.line, "%s: %s is listed twice (first at %s[%d])", loc, value, field, first)
			continue
		}
		values = append(values, value)
	}
	return values
}
