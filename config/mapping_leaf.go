package config

import "go.yaml.in/yaml/v3"

// leaf is one single value from the file, read exactly as written.
type leaf struct {
	text  string
	line  int
	state leafState
}

type leafState int

const (
	leafMissing   leafState = iota // key absent, or empty / null
	leafScalar                     // a single value
	leafNotScalar                  // a list or mapping where one value belongs
)

// readLeaf interprets a node that should hold a single value, following an
// alias (*name) to its anchor.
func readLeaf(n yaml.Node) leaf {
	line := n.Line
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = *n.Alias
	}
	switch {
	case n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.Tag == "!!null"):
		return leaf{line: line, state: leafMissing}
	case n.Kind == yaml.ScalarNode:
		return leaf{text: n.Value, line: line, state: leafScalar}
	default:
		return leaf{line: line, state: leafNotScalar}
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
