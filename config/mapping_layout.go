package config

import "go.yaml.in/yaml/v3"

// span is the range of lines one part of the file occupies.
type span struct{ first, last int }

func (s span) contains(line int) bool { return s.first <= line && line <= s.last }

// layout records where the sections of the file are, so that a problem can
// be tied to the channel it belongs to.
type layout struct {
	qaLeadsKeyLine int  // 0 when qa_leads is absent
	qaLeads        span // its value
	channelsLine   int  // 0 when channels is absent
	channels       []channelSlot
}

// channelSlot is one entry of the channels list as written. The strict
// decode silently drops entries it cannot turn into a channelDoc, so slots
// are what keeps decoded entries paired with their real index.
type channelSlot struct {
	span
	decoded bool // the strict decode kept this entry
	null    bool // a bare "-" or "~": dropped without any decode error
}

// layoutOf finds the lines of qa_leads and of each channel entry.
func layoutOf(root *yaml.Node) layout {
	var l layout
	if key, value := lookupKey(root, "qa_leads"); key != nil {
		l.qaLeadsKeyLine = key.Line
		l.qaLeads = spanOf(value)
	}
	if key, value := lookupKey(root, "channels"); key != nil {
		l.channelsLine = key.Line
		if value = resolve(value); value.Kind == yaml.SequenceNode {
			for _, item := range value.Content {
				l.channels = append(l.channels, slotOf(item))
			}
		}
	}
	return l
}

// slotOf predicts whether the strict decode keeps a channels entry. It
// mirrors go.yaml.in/yaml/v3: an entry survives when it is a mapping without
// repeated keys; nulls vanish silently, anything else with a type error.
func slotOf(item *yaml.Node) channelSlot {
	slot := channelSlot{span: spanOf(item)}
	item = resolve(item)
	slot.null = item.Kind == yaml.ScalarNode && item.ShortTag() == "!!null"
	slot.decoded = item.Kind == yaml.MappingNode && !hasRepeatedKeys(item)
	return slot
}

// hasRepeatedKeys applies the decoder's own test: same node kind and text.
func hasRepeatedKeys(mapping *yaml.Node) bool {
	type keyID struct {
		kind yaml.Kind
		text string
	}
	seen := map[keyID]bool{}
	for i := 0; i < len(mapping.Content); i += 2 {
		key := keyID{mapping.Content[i].Kind, mapping.Content[i].Value}
		if seen[key] {
			return true
		}
		seen[key] = true
	}
	return false
}

// resolve follows an alias (*name) to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// lookupKey returns the first key node named key in a mapping node and its
// value, or nils.
func lookupKey(mapping *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	mapping = resolve(mapping)
	if mapping.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(mapping.Content); i += 2 {
		if mapping.Content[i].Value == key {
			return mapping.Content[i], mapping.Content[i+1]
		}
	}
	return nil, nil
}

func spanOf(n *yaml.Node) span {
	return span{first: n.Line, last: lastLine(n)}
}

func lastLine(n *yaml.Node) int {
	last := n.Line
	for _, child := range n.Content {
		last = max(last, lastLine(child))
	}
	return last
}
