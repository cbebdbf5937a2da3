package config

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The file is parsed once into a tree of yaml.Node, which the reader walks
// with the keys each level allows. Every node knows its line, so every
// problem names the line of what it is about; values are read as written
// (YAML would turn an all-digit store id into a number).

// level is one kind of mapping in the file: where it is, in words, and the
// keys it accepts.
type level struct {
	where string
	keys  []string
}

func (l level) shape() string { return "a mapping with keys " + strings.Join(l.keys, ", ") }

// pair is one key of a mapping and its value; both are nil when the key is
// absent.
type pair struct{ key, value *yaml.Node }

func (p pair) line() int {
	if p.key == nil {
		return 0
	}
	return p.key.Line
}

// fields are the known keys of one mapping, by name.
type fields map[string]pair

// value returns the value of key, or nil when it is absent.
func (f fields) value(key string) *yaml.Node { return f[key].value }

// reader walks the file and collects its problems.
type reader struct {
	problems problemList
}

func (r *reader) add(line int, format string, args ...any) {
	r.problems.add(line, format, args...)
}

// document parses data, which must hold one YAML document, and returns its
// top node, or nil when there is nothing to read.
func (r *reader) document(data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	err := dec.Decode(&doc)
	if errors.Is(err, io.EOF) || (err == nil && (len(doc.Content) == 0 || isNull(doc.Content[0]))) {
		r.add(0, "the file is empty; it needs at least a channels list")
		return nil
	}
	if err != nil {
		// A syntax error has no node; its text already starts with the line
		// ("yaml: line 2: found character that cannot start any token"), but
		// the parser's line for an indentation mistake is often above it.
		parser := strings.TrimPrefix(err.Error(), "yaml: ")
		if line, problem := indentProblem(data); line > 0 {
			r.add(line, "%s (the YAML parser says: %s)", problem, parser)
		} else {
			r.add(0, "%s", parser)
		}
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		r.add(extra.Line, "the file holds more than one YAML document (---); keep everything in one")
	}
	return doc.Content[0]
}

// mapping reads n as a mapping of l's keys, following aliases and merges
// (<<). It reports keys that are unknown, repeated or not single values. ok
// is false when n is not a mapping, a key is repeated or a merge is shaped
// wrong: which value counts cannot be told. A null (or absent) n gives nil
// fields.
func (r *reader) mapping(n *yaml.Node, l level) (f fields, ok bool) {
	m, ok := r.ofKind(n, yaml.MappingNode, l.shape())
	if m == nil {
		return nil, ok
	}
	f = fields{}
	return f, r.collect(m, l, f, map[*yaml.Node]bool{})
}

// ofKind follows n's alias and returns it when it is of kind; want says what belongs there,
// for the problem when it is something else (then ok is false). A null or absent n gives nil.
func (r *reader) ofKind(n *yaml.Node, kind yaml.Kind, want string) (_ *yaml.Node, ok bool) {
	if n == nil {
		return nil, true
	}
	switch target := resolve(n); {
	case isNull(target):
		return nil, true
	case target.Kind != kind:
		r.wrongShape(n, want)
		return nil, false
	default:
		return target, true
	}
}

// collect notes m's keys in f, then the keys it merges in. A key already in f
// is kept, which gives merging its meaning in YAML: a mapping's own keys win
// over merged ones, and earlier merged mappings over later ones. done holds
// the mappings already collected: collecting one again adds nothing, and
// skipping it keeps a mapping that merges itself from looping.
func (r *reader) collect(m *yaml.Node, l level, f fields, done map[*yaml.Node]bool) bool {
	done[m] = true
	ok := r.distinctKeys(m)
	var merges []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		key := resolve(k)
		switch {
		case key.Kind != yaml.ScalarNode:
			r.wrongShape(k, "a single value") // and like an unknown key, ignored
		case key.ShortTag() == "!!merge":
			merges = append(merges, v)
		case !slices.Contains(l.keys, key.Value):
			r.add(k.Line, "unknown key %q%s (expected one of: %s)", key.Value, l.where, strings.Join(l.keys, ", "))
		default:
			if _, set := f[key.Value]; !set {
				f[key.Value] = pair{key: k, value: v}
			}
		}
	}
	for _, v := range merges {
		ok = r.merge(v, l, f, done) && ok
	}
	return ok
}

// merge collects the mapping, or list of mappings, that a << key names.
func (r *reader) merge(v *yaml.Node, l level, f fields, done map[*yaml.Node]bool) bool {
	sources := []*yaml.Node{v}
	if list := resolve(v); list.Kind == yaml.SequenceNode {
		sources = list.Content
	}
	ok := true
	for _, s := range sources {
		switch m := resolve(s); {
		case m.Kind != yaml.MappingNode:
			r.wrongShape(s, "a mapping to merge (<<)")
			ok = false
		case !done[m]:
			ok = r.collect(m, l, f, done) && ok
		}
	}
	return ok
}

// distinctKeys reports every key of m written a second time.
func (r *reader) distinctKeys(m *yaml.Node) bool {
	ok := true
	firstLine := map[string]int{}
	for i := 0; i < len(m.Content); i += 2 {
		k := m.Content[i]
		key := resolve(k)
		if key.Kind != yaml.ScalarNode {
			continue
		}
		if first, repeated := firstLine[key.Value]; repeated {
			r.add(k.Line, "key %q is repeated (first at line %d)", key.Value, first)
			ok = false
			continue
		}
		firstLine[key.Value] = k.Line
	}
	return ok
}

// list reads n as a list; want says what belongs there, for the problem when
// it is something else. A null (or absent) n is an empty list.
func (r *reader) list(n *yaml.Node, want string) ([]*yaml.Node, bool) {
	list, ok := r.ofKind(n, yaml.SequenceNode, want)
	if list == nil {
		return nil, ok
	}
	return list.Content, true
}

// wrongShape reports n, written where want belongs.
func (r *reader) wrongShape(n *yaml.Node, want string) {
	var found string
	switch target := resolve(n); target.Kind {
	case yaml.SequenceNode:
		found = "a list"
	case yaml.MappingNode:
		found = "a mapping"
	default:
		found = "a single value " + quote(target.Value)
	}
	r.add(n.Line, "expected %s here, found %s", want, found)
}

// resolve follows an alias (*name) to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// leaf is one single value from the file, read exactly as written.
type leaf struct {
	text  string
	line  int // where it is written; 0 when the key is absent
	state leafState
}

type leafState int

const (
	leafMissing   leafState = iota // key absent, or empty / null
	leafScalar                     // a single value
	leafNotScalar                  // a list or mapping where one value belongs
)

// readLeaf reads a node that should hold a single value; nil means absent.
func readLeaf(n *yaml.Node) leaf {
	if n == nil {
		return leaf{}
	}
	switch target := resolve(n); {
	case isNull(target):
		return leaf{line: n.Line, state: leafMissing}
	case target.Kind == yaml.ScalarNode:
		return leaf{text: target.Value, line: n.Line, state: leafScalar}
	default:
		return leaf{line: n.Line, state: leafNotScalar}
	}
}

// lineOr returns the leaf's line, or fallback when the leaf is absent from
// the file and so has no line of its own.
func (l leaf) lineOr(fallback int) int {
	if l.line > 0 {
		return l.line
	}
	return fallback
}
