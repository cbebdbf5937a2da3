package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/address"
	"github.com/testerbot/testerbot/internal/cache"
	"github.com/testerbot/testerbot/internal/mapping"
)

// /invite-tester setup: QA leads link a channel to an Applivery store and app from Slack, or
// change or remove its link. The modal is fed live by Applivery; links are saved in the
// database, so every replica uses them at once. What the modal offers comes from
// setup_catalog.go; the modal itself is built in setup_view.go.

// setupFlow serves /invite-tester setup with exactly what it uses: no *Bot behind it.
type setupFlow struct {
	replies     // tell and openThenFill; views.update on its slack, and its log
	links       setupLinks
	access      setupAccess
	catalog     Catalog
	mappingFile string                                 // named when no QA leads are
	storesCache *cache.Cache[[]applivery.Store]        // Applivery's stores
	appsCache   *cache.Cache[[]applivery.PublishedApp] // each store's publications, by store id
	posts       *posts                                 // announces a link in its channel
	work        *workTracker                           // type-ahead, answered in the ack, asks Applivery on its context
}

// setupLinks are the channel links setup reads and changes; Mappings has them.
type setupLinks interface {
	Lookup(ctx context.Context, id string) (config.Channel, bool, error)
	Changes(ctx context.Context, id string) ([]mapping.Change, error)
	Save(ctx context.Context, link config.Channel) (*config.Channel, error)
	Remove(ctx context.Context, channelID, by string) (*config.Channel, error)
}

// setupAccess is what setup asks of the access policy: only QA leads link channels.
// *access.Policy has it.
type setupAccess interface {
	Leads() *config.QALeads
	IsLead(ctx context.Context, userID string) (bool, error)
}

func newSetupFlow(d Deps, r replies, posts *posts, work *workTracker) *setupFlow {
	return &setupFlow{replies: r, links: d.Mappings, access: d.Access, catalog: d.Catalog, mappingFile: d.MappingFile,
		storesCache: cache.New[[]applivery.Store](time.Minute, 10*time.Second),
		appsCache:   cache.New[[]applivery.PublishedApp](time.Minute, 10*time.Second),
		posts:       posts, work: work}
}

func (s *setupFlow) routes() []route {
	return []route{
		onInteraction(slack.InteractionTypeBlockActions, blockSetupStore, s.onStoreChosen),
		onInteraction(slack.InteractionTypeBlockSuggestion, blockSetupStore, s.onStoreSuggestion),
		onInteraction(slack.InteractionTypeBlockSuggestion, blockSetupApp, s.onAppSuggestion),
		onInteraction(slack.InteractionTypeViewSubmission, callbackSetupModal, s.onSubmit),
		onInteraction(slack.InteractionTypeBlockActions, actionSetupRemove, s.onRemove),
	}
}

// needsLeads says how to enable linking from Slack, which is never open to everyone.
func (s *setupFlow) needsLeads() string {
	return "Linking channels from Slack is for QA leads, and none are named. Add a `qa_leads` block to the mapping file (" +
		code(s.mappingFile) + ") naming who may link channels; the bot picks the change up within seconds."
}

// onCommand opens the setup modal for the channel the command was typed in.
func (s *setupFlow) onCommand(cmd slack.SlashCommand) reply {
	if s.access.Leads() == nil {
		return reply{ack: ephemeralAck(s.needsLeads())}
	}
	w := who{userID: cmd.UserID, channelID: cmd.ChannelID, responseURL: cmd.ResponseURL}
	return reply{opens: true, after: func(ctx context.Context) {
		s.openThenFill(ctx, w, cmd.TriggerID, "Link this channel", func(ctx context.Context, _ string) slack.ModalViewRequest {
			return s.modalFor(ctx, w.userID, cmd.ChannelID)
		})
	}}
}

// modalFor builds the setup modal for a lead, or the notice that says why not.
func (s *setupFlow) modalFor(ctx context.Context, userID, channelID string) slack.ModalViewRequest {
	if notice := s.notLeadNotice(ctx, userID); notice != nil {
		return *notice
	}
	ch, linked, err := s.links.Lookup(ctx, channelID) // a file channel without asking the database
	switch {
	case err != nil:
		s.log.Error("could not read a channel's link", "channel", channelID, "error", err)
		return noticeModalView("Link this channel", ":x: I couldn't read this channel's link from my database. Please try again in a moment.")
	case linked && ch.Source == config.FromFile:
		return fileMappingView(ch, s.mappingFile)
	}
	m := setupModal{ChannelID: channelID}
	if linked {
		m.Link, m.Store, m.App = &ch, ch.Store, ch.Apps[0].ID
		m.Downloads, m.Domains = strconv.Itoa(ch.Downloads), strings.Join(ch.Domains, ", ")
	}
	m.Changes = s.changeLines(ctx, channelID) // also of a link that is gone: who ended it, and when
	if problem := s.fillCatalog(ctx, &m); problem != "" {
		return noticeModalView("Link this channel", problem)
	}
	return setupView(m)
}

// notLeadNotice is the notice for someone who may not link channels, nil for a QA lead.
func (s *setupFlow) notLeadNotice(ctx context.Context, userID string) *slack.ModalViewRequest {
	var text string
	switch lead, err := s.access.IsLead(ctx, userID); {
	case s.access.Leads() == nil:
		text = s.needsLeads()
	case err != nil:
		text = s.accessUnknown(userID, err)
	case !lead:
		text = "Only QA leads can link channels to Applivery. " + leadsText(s.access.Leads()) + " can do it for you."
	default:
		return nil
	}
	v := noticeModalView("Link this channel", text)
	return &v
}

// changeLines describes the channel's latest link changes.
func (s *setupFlow) changeLines(ctx context.Context, channelID string) []string {
	changes, err := s.links.Changes(ctx, channelID)
	if err != nil {
		s.log.Warn("could not read a channel's link changes", "channel", channelID, "error", err)
		return nil
	}
	var lines []string
	for i, c := range changes {
		if i == 5 {
			break
		}
		by := "<@" + c.UserID + ">"
		if c.UserID == mapping.FileActor {
			by = "the mapping file"
		}
		lines = append(lines, fmt.Sprintf("• %s %s %s", slackDate(c.At), by, changeWords(c)))
	}
	return lines
}

// onStoreChosen shows the chosen store's apps, keeping what was typed in the other fields.
func (s *setupFlow) onStoreChosen(cb slack.InteractionCallback) reply {
	meta := decodeSetupMeta(cb.View.PrivateMetadata)
	state := cb.View.State
	m := setupModal{ChannelID: meta.Channel, Store: cb.ActionCallback.BlockActions[0].SelectedOption.Value,
		Downloads: stateValue(state, blockDownloads).Value, Domains: stateValue(state, blockSetupDomains).Value}
	return reply{after: func(ctx context.Context) {
		if notice := s.notLeadNotice(ctx, cb.User.ID); notice != nil {
			s.updateModal(ctx, cb.View.ID, *notice)
			return
		}
		if ch, ok, err := s.links.Lookup(ctx, meta.Channel); err == nil && ok && ch.Source == config.FromSlack {
			m.Link, m.Changes = &ch, s.changeLines(ctx, meta.Channel)
		}
		if problem := s.fillCatalog(ctx, &m); problem != "" {
			s.updateModal(ctx, cb.View.ID, noticeModalView("Link this channel", problem))
			return
		}
		s.updateModal(ctx, cb.View.ID, setupView(m))
	}}
}

func (s *setupFlow) updateModal(ctx context.Context, viewID string, v slack.ModalViewRequest) {
	if err := s.slack.updateView(ctx, viewID, v); err != nil {
		s.log.Warn("could not update the setup modal", "error", slackErrorCode(err))
	}
}

// setupChoice is a validated setup modal.
type setupChoice struct {
	channel, store, app string
	downloads           int
	domains             []string
}

// onSubmit validates the modal in the ack; a valid one is saved after it, once the person
// is checked again.
func (s *setupFlow) onSubmit(cb slack.InteractionCallback) reply {
	choice, problems := parseSetup(cb.View.State, decodeSetupMeta(cb.View.PrivateMetadata))
	if len(problems) > 0 {
		return reply{ack: inputErrors(cb.View, problems)}
	}
	w := who{userID: cb.User.ID, channelID: choice.channel}
	return reply{after: func(ctx context.Context) { s.saveLink(ctx, w, choice) }}
}

func parseSetup(state *slack.ViewState, meta setupMeta) (setupChoice, map[string]string) {
	problems := map[string]string{}
	c := setupChoice{channel: meta.Channel, store: stateValue(state, blockSetupStore).SelectedOption.Value,
		app: stateValue(state, blockSetupApp).SelectedOption.Value}
	if c.store == "" {
		c.store = meta.Store
	}
	switch {
	case c.store == "":
		problems[blockSetupStore] = "Choose a store."
	case meta.NoApps && c.store == meta.Store:
		problems[blockSetupStore] = "This store has no published app: choose another."
	case c.store != meta.Store: // chosen, but the form has not shown that store's apps yet
		problems[blockSetupStore] = "Wait for this store's apps to appear below, then choose one."
	case c.app == "":
		problems[blockSetupApp] = "Choose one of the store's apps."
	}
	n, err := strconv.Atoi(strings.TrimSpace(stateValue(state, blockDownloads).Value))
	if err != nil || n == 0 || n < -1 {
		problems[blockDownloads] = "Use -1 for unlimited, or a whole number from 1."
	}
	c.downloads = n
	var bad []string
	for _, d := range strings.FieldsFunc(stateValue(state, blockSetupDomains).Value, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }) {
		if domain, ok := address.NormalizeDomain(d); ok {
			c.domains = append(c.domains, domain)
		} else {
			bad = append(bad, d)
		}
	}
	if len(bad) > 0 {
		problems[blockSetupDomains] = truncate("Not domains such as acme.com: "+strings.Join(bad, ", "), maxPlainText)
	}
	return c, problems
}

// saveLink links the channel, says so in it, and tells the lead if the bot cannot post there.
func (s *setupFlow) saveLink(ctx context.Context, w who, c setupChoice) {
	if notice := s.notLeadNotice(ctx, w.userID); notice != nil {
		s.tell(ctx, w, notice.Blocks.BlockSet[0].(*slack.SectionBlock).Text.Text)
		return
	}
	apps, err := s.publishedApps(ctx, c.store)
	if err != nil {
		s.tell(ctx, w, ":x: I couldn't check the app with Applivery, so I did not link the channel. "+explainError(err))
		return
	}
	var app *applivery.PublishedApp
	for i := range apps {
		if apps[i].ID == c.app {
			app = &apps[i]
		}
	}
	if app == nil {
		s.tell(ctx, w, "That app is no longer in the store, so I did not link the channel. Please choose again.")
		return
	}
	link := config.Channel{ID: c.channel, Store: c.store, Apps: []config.App{{ID: app.ID, Name: app.Name}},
		Downloads: c.downloads, Domains: c.domains, NotifyTesters: true, Source: config.FromSlack, LinkedBy: w.userID}
	before, err := s.links.Save(ctx, link)
	switch {
	case errors.Is(err, mapping.ErrManagedByFile):
		s.tell(ctx, w, "The mapping file lists this channel, so it manages it: change it there.")
		return
	case err != nil:
		s.log.Error("could not save a channel's link", "channel", c.channel, "error", err)
		s.tell(ctx, w, ":x: I couldn't save the link ("+dbTrouble(err)+"). "+dbAdvice(err))
		return
	}
	verb := "linked this channel to"
	if before != nil {
		verb = "changed this channel's link to"
	}
	s.announce(ctx, w, fmt.Sprintf(":link: <@%s> %s *%s*. %s", w.userID, verb, esc(app.Name), linkDetails(link)))
}

// announce posts a change in the channel for everyone; when the bot is not in it, the person who
// made the change is told what happened and how to add the bot.
func (s *setupFlow) announce(ctx context.Context, w who, text string) {
	s.posts.say(ctx, w, w.channelID, "", text, "\n:warning: I can't post in this channel: add me with `/invite @testerbot` so that invites can be posted here.")
}

// onRemove unlinks the channel (Slack has asked the lead to confirm).
func (s *setupFlow) onRemove(cb slack.InteractionCallback) reply {
	channelID := cb.ActionCallback.BlockActions[0].Value
	w := who{userID: cb.User.ID, channelID: channelID}
	return reply{after: func(ctx context.Context) {
		if notice := s.notLeadNotice(ctx, w.userID); notice != nil {
			s.updateModal(ctx, cb.View.ID, *notice)
			return
		}
		before, err := s.links.Remove(ctx, channelID, w.userID)
		if err != nil {
			s.log.Error("could not remove a channel's link", "channel", channelID, "error", err)
			s.updateModal(ctx, cb.View.ID, noticeModalView("Link this channel", ":x: I couldn't remove the link ("+dbTrouble(err)+"). "+dbAdvice(err)))
			return
		}
		s.updateModal(ctx, cb.View.ID, noticeModalView("Link this channel", fmt.Sprintf("<#%s> is no longer linked to Applivery.", channelID)))
		if before != nil {
			s.announce(ctx, w, fmt.Sprintf(":broken_chain: <@%s> removed this channel's link to *%s*: testers can no longer be invited from here.", w.userID, esc(before.Apps[0].Name)))
		}
	}}
}
