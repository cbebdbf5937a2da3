package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/ops"
)

// channelPlaceholder stands for the Slack channel id in the stanzas that `stores --yaml`
// prints. It is not a valid channel id, so a stanza whose channel was not filled in is
// refused at start-up instead of inviting from a wrong channel.
const channelPlaceholder = "C_FILL_ME_IN"

// catalogEntry is a store and its publications.
type catalogEntry struct {
	store applivery.Store
	apps  []applivery.PublishedApp
}

// stores prints the organization's stores and their publications, as a table or, with
// --yaml, as mapping file stanzas to edit. It is for setting the bot up, so it needs only
// the Applivery variables: neither the Slack tokens nor the mapping file.
func stores(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	asYAML, err := parseStoresArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "testerbot stores: %v\n\n%s", err, usage)
		return 2
	}
	env, err := config.LoadApplivery()
	if err != nil {
		fmt.Fprintf(stderr, "testerbot: %v\n\n%s\n", err, seeHelp)
		return 1
	}
	client, err := newApplivery(env, ops.NewMetrics())
	if err != nil {
		fmt.Fprintf(stderr, "testerbot stores: %v\n", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	catalog, err := loadCatalog(ctx, client)
	if err != nil {
		fmt.Fprintf(stderr, "testerbot stores: %s\n", catalogProblem(err))
		return 1
	}
	if asYAML {
		err = writeMappingYAML(stdout, env.AppliveryOrganization, catalog)
	} else {
		err = writeCatalog(stdout, env.AppliveryOrganization, catalog)
	}
	if err != nil {
		fmt.Fprintf(stderr, "testerbot stores: %v\n", err)
		return 1
	}
	return 0
}

func parseStoresArgs(args []string) (asYAML bool, err error) {
	fs := flag.NewFlagSet("stores", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // the caller prints the usage once
	fs.BoolVar(&asYAML, "yaml", false, "")
	if err := fs.Parse(args); err != nil {
		return false, err
	}
	if fs.NArg() > 0 {
		return false, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return asYAML, nil
}

// loadCatalog lists every store, then the publications of each.
func loadCatalog(ctx context.Context, client *applivery.Client) ([]catalogEntry, error) {
	all, err := client.ListStores(ctx)
	if err != nil {
		return nil, err
	}
	catalog := make([]catalogEntry, len(all))
	for i, store := range all {
		apps, err := client.ListPublishedApps(ctx, store.ID)
		if err != nil {
			return nil, fmt.Errorf("store %s: %w", store.ID, err)
		}
		catalog[i] = catalogEntry{store: store, apps: apps}
	}
	return catalog, nil
}

// catalogProblem says what to fix. The client's errors never carry the token.
func catalogProblem(err error) string {
	var apiErr *applivery.ErrorResponse
	switch {
	case errors.As(err, &apiErr) && apiErr.Permission != "":
		return "the token in APPLIVERY_API_TOKEN lacks the Applivery permission " + apiErr.Permission +
			": give its service account a role that has it, then run this again (" + err.Error() + ")." +
			" `testerbot help` lists every permission the bot needs"
	case errors.Is(err, applivery.ErrUnauthorized):
		return "Applivery refused the token: check APPLIVERY_API_TOKEN (" + err.Error() + ")"
	case errors.Is(err, applivery.ErrNotFound):
		return "Applivery does not know this organization: check APPLIVERY_ORGANIZATION (" + err.Error() + ")"
	default:
		return "could not list the stores: " + err.Error()
	}
}

// writeCatalog prints each store, then a table of its publications.
func writeCatalog(w io.Writer, org string, catalog []catalogEntry) error {
	if len(catalog) == 0 {
		_, err := fmt.Fprintf(w, "The Applivery organization %s has no stores.\n", org)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i, entry := range catalog {
		if i > 0 {
			fmt.Fprintln(tw)
		}
		fmt.Fprintf(tw, "Store %s (%s)\n", entry.store.ID, describeStore(entry.store))
		if len(entry.apps) == 0 {
			fmt.Fprintln(tw, "  no published apps")
			continue
		}
		fmt.Fprintln(tw, "  PUBLICATION\tSLUG\tNAME\tVISIBILITY\tDISTRIBUTION URL")
		for _, app := range entry.apps {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", app.ID, cell(app.Slug), cell(app.Name), cell(app.Visibility), cell(app.DistributionURL))
		}
	}
	return tw.Flush()
}

// describeStore is what tells a store apart, since stores have no name.
func describeStore(s applivery.Store) string {
	parts := []string{"no custom domain"}
	if s.CustomDomain != "" {
		parts[0] = "custom domain " + cell(s.CustomDomain)
	}
	if !s.CreatedAt.IsZero() {
		parts = append(parts, "created "+s.CreatedAt.Format(time.DateOnly))
	}
	return strings.Join(parts, ", ")
}

// cell keeps a value from breaking the table: control characters (tabs, newlines) become
// spaces and a missing value shows as "-".
func cell(s string) string {
	s = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s))
	if s == "" {
		return "-"
	}
	return s
}

const yamlHeader = `Channel mapping entries for the Applivery organization %s, one per published app,
printed by ` + "`testerbot stores --yaml`" + `. In each entry you keep, replace ` + channelPlaceholder + ` with the
Slack channel id (C…, at the bottom of the channel's details), check the name people
will see and the downloads; delete the entries you do not need. Apps invited from the
same channel go in one entry, under its apps. See channels.example.yaml for qa_leads
and domains.`

// writeMappingYAML prints one mapping file entry per publication. The YAML encoder does
// the quoting, so any name or id reads back as written.
func writeMappingYAML(w io.Writer, org string, catalog []catalogEntry) error {
	channels := &yaml.Node{Kind: yaml.SequenceNode}
	for _, entry := range catalog {
		for _, app := range entry.apps {
			channels.Content = append(channels.Content, mappingEntry(entry.store, app))
		}
	}
	root := yamlMap([]string{"channels"}, channels)
	root.HeadComment = fmt.Sprintf(yamlHeader, org)
	if len(channels.Content) == 0 {
		channels.Style = yaml.FlowStyle
		root.HeadComment += "\n\nThe organization has no published apps yet."
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
		return err
	}
	return enc.Close()
}

func mappingEntry(store applivery.Store, app applivery.PublishedApp) *yaml.Node {
	channel := yamlString(channelPlaceholder)
	channel.LineComment = "the Slack channel id"
	downloads := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: "1",
		LineComment: "downloads each new tester gets; -1 = unlimited"}
	name := app.Name
	if name == "" {
		name = app.ID // the mapping needs a name; the person editing can pick a better one
	}
	apps := &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{
		yamlMap([]string{"id", "name"}, yamlString(app.ID), yamlString(name)),
	}}
	node := yamlMap([]string{"channel", "store", "apps", "downloads"}, channel, yamlString(store.ID), apps, downloads)
	link := "no distribution URL"
	if app.DistributionURL != "" {
		link = cell(app.DistributionURL)
	}
	node.HeadComment = fmt.Sprintf("Store %s (%s)\npublication %s, visibility %s, %s",
		store.ID, describeStore(store), cell(app.Slug), cell(app.Visibility), link)
	return node
}

func yamlString(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

// yamlMap builds a mapping of keys to values, in order.
func yamlMap(keys []string, values ...*yaml.Node) *yaml.Node {
	node := &yaml.Node{Kind: yaml.MappingNode}
	for i, key := range keys {
		node.Content = append(node.Content, yamlString(key), values[i])
	}
	return node
}
