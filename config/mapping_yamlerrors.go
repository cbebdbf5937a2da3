package config

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
)

// yamlFinding is a YAML library error rewritten for people editing the file:
// no Go type names, and the keys that would have been accepted.
type yamlFinding struct {
	line int
	msg  string
	// damaging is true when the decoder left the surrounding section empty
	// or partly filled, so checking its content would mislead.
	damaging bool
}

func (f yamlFinding) addTo(problems *problemList) {
	problems.add(f.line, "%s", f.msg)
}

var (
	unknownKeyPattern   = regexp.MustCompile(`^line (\d+): field (.*) not found in type (\S+)$`)
	repeatedKeyPattern  = regexp.MustCompile(`^line (\d+): mapping key (".*") already defined at line (\d+)$`)
	wrongShapePattern   = regexp.MustCompile("(?s)^line (\\d+): cannot unmarshal (!\\S*)(?: `(.*)`)? into (\\S+)$")
	linePrefixedPattern = regexp.MustCompile(`(?s)^(?:yaml: )?line (\d+): (.*)$`)
)

// explainYAMLError rewrites one message from go.yaml.in/yaml/v3 (a syntax
// error or one entry of a TypeError). Messages it does not recognise are
// kept, minus the "yaml: " prefix.
func explainYAMLError(msg string) yamlFinding {
	if m := unknownKeyPattern.FindStringSubmatch(msg); m != nil {
		return yamlFinding{line: atoi(m[1]), msg: unknownKeyMessage(m[2], docShapes[m[3]])}
	}
	if m := repeatedKeyPattern.FindStringSubmatch(msg); m != nil {
		return yamlFinding{line: atoi(m[1]), msg: fmt.Sprintf("key %s is repeated (first at line %s)", m[2], m[3]), damaging: true}
	}
	if m := wrongShapePattern.FindStringSubmatch(msg); m != nil {
		return yamlFinding{line: atoi(m[1]), msg: fmt.Sprintf("expected %s here, found %s", describeTarget(m[4]), describeFound(m[2], m[3])), damaging: true}
	}
	if m := linePrefixedPattern.FindStringSubmatch(msg); m != nil {
		return yamlFinding{line: atoi(m[1]), msg: m[2], damaging: true}
	}
	return yamlFinding{msg: strings.TrimPrefix(msg, "yaml: "), damaging: true}
}

func unknownKeyMessage(key string, shape docShape) string {
	if shape.keys == "" {
		return fmt.Sprintf("unknown key %q", key)
	}
	return fmt.Sprintf("unknown key %q%s (expected one of: %s)", key, shape.where, shape.keys)
}

func atoi(digits string) int {
	n, _ := strconv.Atoi(digits)
	return n
}

// docShape describes one *Doc type in the words of the file's format.
type docShape struct {
	where string // " in a channel"
	noun  string // "channels", for "a list of channels"; "" when never listed
	keys  string // "channel, store, apps, downloads, domains"
}

// docShapes is keyed by the Go type name the YAML library puts in messages.
var docShapes = map[string]docShape{
	typeName[fileDoc]():    {where: " at the top level", keys: yamlKeys[fileDoc]()},
	typeName[qaLeadsDoc](): {where: " in qa_leads", keys: yamlKeys[qaLeadsDoc]()},
	typeName[channelDoc](): {where: " in a channel", noun: "channels", keys: yamlKeys[channelDoc]()},
	typeName[appDoc]():     {where: " in an app", noun: "apps", keys: yamlKeys[appDoc]()},
}

func typeName[T any]() string { return reflect.TypeFor[T]().String() }

func yamlKeys[T any]() string {
	t := reflect.TypeFor[T]()
	keys := make([]string, t.NumField())
	for i := range keys {
		keys[i] = t.Field(i).Tag.Get("yaml")
	}
	return strings.Join(keys, ", ")
}

// describeTarget turns a Go type name into what the file should hold.
func describeTarget(goType string) string {
	goType = strings.TrimPrefix(goType, "*")
	if elem, isList := strings.CutPrefix(goType, "[]"); isList {
		if shape := docShapes[elem]; shape.noun != "" {
			return "a list of " + shape.noun
		}
		return "a list"
	}
	if shape, ok := docShapes[goType]; ok {
		return "a mapping with keys " + shape.keys
	}
	return "a single value"
}

// describeFound names what the file holds, from its YAML tag and value.
func describeFound(tag, value string) string {
	switch tag {
	case "!!seq":
		return "a list"
	case "!!map":
		return "a mapping"
	}
	return "a single value " + strconv.Quote(value)
}
