package config

import (
	"bytes"
	"errors"
	"io"

	"go.yaml.in/yaml/v3"
)

// The *Doc types mirror the file for the strict (KnownFields) decode. Single
// values stay yaml.Node so that each keeps its line for error messages, and
// so that ids are read exactly as written (YAML would turn an all-digit
// store id into a number).
type (
	fileDoc struct {
		QALeads  *qaLeadsDoc  `yaml:"qa_leads"`
		Channels []channelDoc `yaml:"channels"`
	}
	qaLeadsDoc struct {
		Users      []yaml.Node `yaml:"users"`
		Usergroups []yaml.Node `yaml:"usergroups"`
	}
	channelDoc struct {
		Channel   yaml.Node   `yaml:"channel"`
		Store     yaml.Node   `yaml:"store"`
		Apps      []appDoc    `yaml:"apps"`
		Downloads yaml.Node   `yaml:"downloads"`
		Domains   []yaml.Node `yaml:"domains"`
		Notify    yaml.Node   `yaml:"notify_testers"`
	}
	appDoc struct {
		ID   yaml.Node `yaml:"id"`
		Name yaml.Node `yaml:"name"`
	}
)

// damage records which sections the strict decode could not fill in
// faithfully (wrong shape, repeated keys). Their content checks are skipped,
// since they would only repeat the decode error in a more confusing way.
type damage struct {
	all      bool
	qaLeads  bool
	channels map[int]bool
}

// parseMapping runs the three stages (YAML syntax, strict decode, content
// checks), adding what each finds to problems.
func parseMapping(data []byte, problems *problemList) *Mapping {
	root, ok := parseTree(data, problems)
	if !ok {
		return nil
	}
	l := layoutOf(root)
	var doc fileDoc
	d := decodeStrict(data, l, &doc, problems)
	if d.all {
		return nil
	}
	return checkMapping(doc, l, d, problems)
}

// parseTree parses the YAML syntax and returns the top-level node; ok is
// false when there is nothing more to check.
func parseTree(data []byte, problems *problemList) (*yaml.Node, bool) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	err := dec.Decode(&doc)
	if errors.Is(err, io.EOF) || (err == nil && isEmptyDocument(&doc)) {
		problems.add(0, "the file is empty; it needs at least a channels list")
		return nil, false
	}
	if err != nil {
		explainYAMLError(err.Error()).addTo(problems)
		return nil, false
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		problems.add(extra.Line, "the file holds more than one YAML document (---); keep everything in one")
	}
	return doc.Content[0], true
}

func isEmptyDocument(doc *yaml.Node) bool {
	return len(doc.Content) == 0 || doc.Content[0].ShortTag() == "!!null"
}

// decodeStrict decodes into doc, rejecting unknown and repeated keys, and
// reports which sections came out damaged.
func decodeStrict(data []byte, l layout, doc *fileDoc, problems *problemList) damage {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(doc)
	if err == nil {
		return damage{}
	}
	typeErr, ok := errors.AsType[*yaml.TypeError](err)
	if !ok { // e.g. excessive aliasing: nothing was decoded
		explainYAMLError(err.Error()).addTo(problems)
		return damage{all: true}
	}
	d := damage{channels: map[int]bool{}}
	for _, msg := range typeErr.Errors {
		finding := explainYAMLError(msg)
		finding.addTo(problems)
		if finding.damaging {
			d.mark(finding.line, l)
		}
	}
	return d
}

// mark flags the section holding line; a line outside every channel and
// qa_leads means the file's overall shape is wrong.
func (d *damage) mark(line int, l layout) {
	for i, slot := range l.channels {
		if slot.contains(line) {
			d.channels[i] = true
			return
		}
	}
	if l.qaLeadsKeyLine > 0 && l.qaLeads.contains(line) {
		d.qaLeads = true
		return
	}
	d.all = true
}
