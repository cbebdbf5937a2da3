package bot

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/config"
)

// target is one place testers can be invited into: a mapped channel and one of its apps.
type target struct {
	Channel     config.Channel
	ChannelName string // "#beta-ios", or the id when Slack would not say
	App         config.App
}

func (t target) key() string { return t.Channel.ID + "/" + t.App.ID }

func (t target) label() string { return truncate(t.ChannelName+" · "+t.App.Name, maxOption) }

// channelTargets lists a channel's apps as targets.
func channelTargets(ch config.Channel, name string) []target {
	out := make([]target, 0, len(ch.Apps))
	for _, app := range ch.Apps {
		out = append(out, target{Channel: ch, ChannelName: name, App: app})
	}
	return out
}

// targetPicker offers people the targets they may manage, by name, in the forms' "Invite into"
// menus, and finds the target a form names.
type targetPicker struct {
	replies
	mappings Mappings
	gate     *gate
	names    *channelNames
	work     *workTracker // type-ahead, answered in the ack, runs on its context
}

// resolve finds a target key ("C…/app id") in today's mapping.
func (p *targetPicker) resolve(key string) (target, bool) {
	chID, appID, _ := strings.Cut(key, "/")
	ch, ok := p.mappings.Channel(chID)
	if !ok {
		return target{}, false
	}
	app, ok := ch.App(appID)
	if !ok {
		return target{}, false
	}
	return target{Channel: ch, ChannelName: p.names.cached(ch.ID), App: app}, true
}

// named lists the apps of channels by "#channel · App". Names come from the cache (an
// hour); the ones it lacks are asked of Slack (conversations.info, Tier 3: about 50 a minute), a
// few at a time and within a short deadline, so a lead of hundreds of channels neither floods
// Slack nor keeps the form waiting: a name not learned in time shows as the channel's id, and
// is named in the background for type-ahead and the next form.
func (p *targetPicker) named(ctx context.Context, channels []config.Channel) []target {
	ctx, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
	defer cancel()
	names := make([]string, len(channels))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(nameLookupsInParallel, len(channels)) {
		wg.Go(func() {
			for i := range next {
				if ctx.Err() == nil {
					names[i] = p.names.name(ctx, channels[i].ID)
				}
				if ctx.Err() != nil { // not asked in time, or cut short
					names[i] = p.names.cachedOrLater(channels[i].ID)
				}
			}
		})
	}
	for i := range channels {
		next <- i
	}
	close(next)
	wg.Wait()
	var out []target
	for i, ch := range channels {
		out = append(out, channelTargets(ch, names[i])...)
	}
	return out
}

// openWith opens a modal offering every target the person may manage, by name; someone
// who may manage none gets a notice saying who can help instead.
func (p *targetPicker) openWith(ctx context.Context, w who, triggerID, title string, view func([]target) slack.ModalViewRequest) {
	p.openThenFill(ctx, w, triggerID, title, func(ctx context.Context, _ string) slack.ModalViewRequest {
		channels, err := p.gate.manageable(ctx, w.userID)
		switch {
		case err != nil:
			return noticeModalView(title, p.accessUnknown(w.userID, err))
		case len(channels) == 0:
			return noticeModalView(title, p.gate.refusalText(""))
		}
		return view(p.named(ctx, channels))
	})
}

// maxStaticOptions is Slack's limit on a static select's options. Past it, the select is an
// external_select whose options come from type-ahead (block_suggestion), so every target stays
// reachable.
const maxStaticOptions = 100

// targetSelect is the "Invite into" input: a static select of every target, or type-ahead when
// there are more than Slack lets a static select hold. appOnly shows app names alone (the
// channel is given).
func targetSelect(targets []target, selected string, appOnly bool) *slack.InputBlock {
	label := "Invite into"
	if appOnly {
		label = "App"
	}
	options := make([]*slack.OptionBlockObject, 0, len(targets))
	for _, t := range targets {
		options = append(options, targetOption(t, appOnly))
	}
	if len(options) > maxStaticOptions {
		sel := choiceSelect(blockTarget, options, selected, "", "Type a channel or app name…")
		return slack.NewInputBlock(blockTarget, plain(label), plain("Type to search all "+plural(len(targets), "target", "targets")+"."), sel)
	}
	if selected == "" && len(options) > 0 {
		selected = options[0].Value // a short list starts on its first target
	}
	return slack.NewInputBlock(blockTarget, plain(label), nil, choiceSelect(blockTarget, options, selected, "Choose…", ""))
}

// choiceSelect is a static select of options or, when there are more than a static select
// holds, an external select whose options come from type-ahead (block_suggestion), so every
// option stays reachable. The option whose value is selected, if any, is preselected.
func choiceSelect(actionID string, options []*slack.OptionBlockObject, selected, placeholder, typeAhead string) *slack.SelectBlockElement {
	var sel *slack.SelectBlockElement
	if len(options) > maxStaticOptions {
		sel = slack.NewOptionsSelectBlockElement(slack.OptTypeExternal, plain(typeAhead), actionID)
		minQuery := 0 // show the first matches as soon as the menu opens
		sel.MinQueryLength = &minQuery
	} else {
		sel = slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain(placeholder), actionID, options...)
	}
	for _, o := range options {
		if o.Value == selected {
			sel.InitialOption = o
		}
	}
	return sel
}

func targetOption(t target, appOnly bool) *slack.OptionBlockObject {
	label := t.label()
	if appOnly {
		label = truncate(t.App.Name, maxOption)
	}
	return slack.NewOptionBlockObject(t.key(), plain(label), nil)
}

func (p *targetPicker) routes() []route {
	return []route{onInteraction(slack.InteractionTypeBlockSuggestion, blockTarget, p.onSuggestion)}
}

// suggestionBudget is how long type-ahead may spend finding targets: its answer is the ack.
const suggestionBudget = 1500 * time.Millisecond

// onSuggestion answers type-ahead in a target select with up to 100 of the targets the
// person may manage whose "#channel · App" contains what they typed. The modal was filled
// moments ago, so access and channel names are normally cached; a cold cache gets the budget.
func (p *targetPicker) onSuggestion(cb slack.InteractionCallback) reply {
	ctx, cancel := context.WithTimeout(p.work.context(), suggestionBudget)
	defer cancel()
	channels, err := p.gate.manageable(ctx, cb.User.ID)
	if err != nil {
		p.log.Warn("could not list targets for type-ahead", "user", cb.User.ID, "error", err)
		return reply{ack: suggestions(nil)}
	}
	var targets []target
	for _, ch := range channels {
		targets = append(targets, channelTargets(ch, p.names.cached(ch.ID))...)
	}
	return reply{ack: suggestions(matchingOptions(targets, cb.Value))}
}

// matchingOptions is the type-ahead answer: targets whose channel or app name contains query,
// ignoring case, at most maxStaticOptions of them.
func matchingOptions(targets []target, query string) []*slack.OptionBlockObject {
	query = strings.ToLower(strings.TrimSpace(query))
	options := []*slack.OptionBlockObject{}
	for _, t := range targets {
		if len(options) == maxStaticOptions {
			break
		}
		if strings.Contains(strings.ToLower(t.ChannelName+" "+t.App.Name), query) {
			options = append(options, targetOption(t, false))
		}
	}
	return options
}
