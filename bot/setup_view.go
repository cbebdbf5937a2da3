package bot

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/mapping"
)

// The setup modal's view: choose a store, then one of its publications, allowed downloads and
// optional domains. Pure, and golden-file tested.

const (
	callbackSetupModal = "setup_modal"
	blockSetupStore    = "setup_store"
	blockSetupApp      = "setup_app"
	blockSetupDomains  = "setup_domains"
	actionSetupRemove  = "setup_remove"
)

// setupModal is everything the setup modal shows.
type setupModal struct {
	ChannelID string
	Stores    []applivery.Store
	Store     string                   // the chosen store's id, "" until one is chosen
	Apps      []applivery.PublishedApp // the chosen store's publications
	App       string                   // the chosen publication's id
	Downloads string                   // as typed, or the link's
	Domains   string                   // as typed, or the link's
	Link      *config.Channel          // the channel's current link from Slack, nil when it has none
	Changes   []string                 // mrkdwn lines: the link's latest changes
}

// setupMeta travels in the modal's private_metadata.
type setupMeta struct {
	Channel string `json:"c"`
	Store   string `json:"s,omitempty"`
	NoApps  bool   `json:"n,omitempty"` // the chosen store has no publication to choose
}

func decodeSetupMeta(s string) setupMeta {
	var m setupMeta
	_ = json.Unmarshal([]byte(s), &m)
	return m
}

// storeLabel names a store for people: it has no name, so its custom domain, else its id.
func storeLabel(s applivery.Store) string {
	if s.CustomDomain != "" {
		return truncate(s.CustomDomain+" · "+s.ID, maxOption)
	}
	return s.ID
}

// appLabel names a publication for people.
func appLabel(a applivery.PublishedApp) string {
	label := a.Name
	if a.Slug != "" && a.Slug != a.Name {
		label += " · " + a.Slug
	}
	if a.Visibility != "" && a.Visibility != "active" {
		label += " (" + a.Visibility + ")"
	}
	return truncate(label, maxOption)
}

func setupView(m setupModal) slack.ModalViewRequest {
	intro := fmt.Sprintf("Testers invited from <#%s> go into the Applivery store and app you choose here.", m.ChannelID)
	if m.Link != nil {
		intro = fmt.Sprintf("<#%s> invites into *%s*. Change it here, or remove the link.", m.ChannelID, esc(m.Link.Apps[0].Name))
	}
	blocks := []slack.Block{section(intro, nil), storeSelect(m)}
	switch {
	case m.Store == "":
		blocks = append(blocks, slack.NewContextBlock("", mrkdwn("Choose a store to see its apps.")))
	case len(m.Apps) == 0:
		blocks = append(blocks, slack.NewContextBlock("", mrkdwn(":warning: This store has no published app yet: publish one in Applivery, or choose another store.")))
	default:
		blocks = append(blocks, appSelect(m))
	}
	blocks = append(blocks, setupDownloads(m.Downloads), setupDomains(m.Domains))
	if m.Link != nil {
		remove := slack.NewButtonBlockElement(actionSetupRemove, m.ChannelID, plain("Remove the link"))
		remove.Style = slack.StyleDanger
		remove.Confirm = slack.NewConfirmationBlockObject(plain("Remove the link?"),
			mrkdwn(fmt.Sprintf("Nobody can invite testers from <#%s> once it is gone. Testers invited already keep their access.", m.ChannelID)),
			plain("Remove"), plain("Cancel"))
		remove.Confirm.Style = slack.StyleDanger
		blocks = append(blocks, slack.NewActionBlock("setup_actions", remove))
	}
	if len(m.Changes) > 0 {
		blocks = append(blocks, slack.NewContextBlock("", mrkdwn(cutMrkdwn("*Changes*\n"+strings.Join(m.Changes, "\n"), maxMrkdwn))))
	}
	meta, _ := json.Marshal(setupMeta{Channel: m.ChannelID, Store: m.Store, NoApps: m.Store != "" && len(m.Apps) == 0})
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: callbackSetupModal, Title: title("Link this channel"),
		Submit: title("Save"), Close: title("Cancel"), PrivateMetadata: string(meta),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
}

// storeSelect dispatches a block action as soon as a store is chosen, so the apps follow.
func storeSelect(m setupModal) *slack.InputBlock {
	options := make([]*slack.OptionBlockObject, 0, len(m.Stores))
	for _, s := range m.Stores {
		options = append(options, slack.NewOptionBlockObject(s.ID, plain(storeLabel(s)), nil))
	}
	sel := choiceSelect(blockSetupStore, options, m.Store, "Choose a store…", "Type part of a domain or id…")
	return slack.NewInputBlock(blockSetupStore, plain("Store"), nil, sel).WithDispatchAction(true)
}

// appSelect offers the chosen store's publications, by type-ahead when there are many.
func appSelect(m setupModal) *slack.InputBlock {
	options := make([]*slack.OptionBlockObject, 0, len(m.Apps))
	for _, a := range m.Apps {
		options = append(options, slack.NewOptionBlockObject(a.ID, plain(appLabel(a)), nil))
	}
	sel := choiceSelect(blockSetupApp, options, m.App, "Choose an app…", "Type part of the app's name…")
	return slack.NewInputBlock(blockSetupApp, plain("App"), plain("The published app testers are invited to."), sel)
}

func setupDownloads(value string) *slack.InputBlock {
	el := slack.NewNumberInputBlockElement(plain("3"), blockDownloads, false)
	el.MinValue = "-1"
	el.InitialValue = value
	return slack.NewInputBlock(blockDownloads, plain("Allowed downloads per new tester"), plain("-1 means unlimited."), el)
}

func setupDomains(value string) *slack.InputBlock {
	el := slack.NewPlainTextInputBlockElement(plain("acme.com, partner.io"), blockSetupDomains)
	el.InitialValue = value
	el.MaxLength = maxInput
	in := slack.NewInputBlock(blockSetupDomains, plain("Only addresses at these domains"), plain("Optional. Exact domains, separated by commas; subdomains are not implied."), el)
	in.Optional = true
	return in
}

// fileMappingView shows a channel the mapping file manages: read-only, saying so.
func fileMappingView(ch config.Channel, path string) slack.ModalViewRequest {
	text := fmt.Sprintf("<#%s> is linked in the mapping file (%s), which manages it: change it there. The file is reloaded within seconds of a change.\n\n%s",
		ch.ID, code(path), mappingText(ch))
	return noticeModalView("Link this channel", text)
}

// mappingText describes one channel's mapping for people.
func mappingText(ch config.Channel) string {
	var apps []string
	for _, a := range ch.Apps {
		apps = append(apps, "*"+esc(a.Name)+"*")
	}
	text := fmt.Sprintf("<#%s> → store %s: %s\nNew testers get %s", ch.ID, code(ch.Store), strings.Join(apps, ", "), downloadsText(ch.Downloads))
	if len(ch.Domains) > 0 {
		text += "; only addresses at " + esc(strings.Join(ch.Domains, ", "))
	}
	return text
}

func changeWords(c mapping.Change) string {
	switch {
	case c.After == nil:
		return "removed the link"
	case c.Before == nil:
		return "linked it to *" + esc(c.After.Apps[0].Name) + "*"
	}
	return "changed it to *" + esc(c.After.Apps[0].Name) + "*, " + downloadsText(c.After.Downloads)
}

func linkDetails(l config.Channel) string {
	text := "New testers get " + downloadsText(l.Downloads)
	if len(l.Domains) > 0 {
		text += "; only addresses at " + esc(strings.Join(l.Domains, ", ")) + " may be invited"
	}
	return text + ". Invite with `/invite-tester alice@example.com`."
}
