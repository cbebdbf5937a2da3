package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/approval"
	"github.com/testerbot/testerbot/internal/invite"
)

// Deciding a request for testers: a QA lead's Approve starts the invite on the asker's behalf,
// Deny asks for an optional reason first. Anyone else's click is refused privately and changes
// nothing.

func (f *askFlow) routes() []route {
	return []route{
		onInteraction(slack.InteractionTypeBlockActions, actionAskApprove, f.onAskApprove),
		onInteraction(slack.InteractionTypeBlockActions, actionAskDeny, f.onAskDeny),
		onInteraction(slack.InteractionTypeViewSubmission, callbackDenyModal, f.onDenySubmit),
	}
}

// onAskApprove invites what the request asked for, as the approving lead. A request whose
// channel no longer invites into its store stays pending, and the lead is told why.
func (f *askFlow) onAskApprove(cb slack.InteractionCallback) reply {
	id := cb.ActionCallback.BlockActions[0].Value
	w := who{userID: cb.User.ID, channelID: cb.Channel.ID, responseURL: cb.ResponseURL}
	return reply{after: func(ctx context.Context) {
		if !f.mayDecide(ctx, w) {
			return
		}
		pending, err := f.asks.Get(ctx, id)
		if err != nil {
			f.tell(ctx, w, f.decisionProblem(ctx, id, err))
			return
		}
		if _, problem := f.approvable(ctx, *pending); problem != "" {
			f.tell(ctx, w, problem+" The request is still pending.")
			return
		}
		a, err := f.asks.Approve(ctx, id, w.userID)
		if err != nil {
			f.tell(ctx, w, f.decisionProblem(ctx, id, err))
			return
		}
		f.showDecision(ctx, *a)
		f.countAsk(*a, invite.Approved)
		if err := f.startApproved(ctx, w, *a); err != nil {
			f.tell(ctx, w, ":warning: Your approval is recorded, but my database did not answer, so the invite has not started yet. I'll start it within a few minutes.")
		}
	}}
}

// Approved starts the invite of an approval whose process stopped before the invite was
// saved; with Expired (in ask.go) it makes askFlow the approval package's Handler. ctx ends
// when the bot drains; the invite, once started, runs as in-flight work that a graceful stop
// waits for.
func (f *askFlow) Approved(ctx context.Context, a approval.Ask) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.work.start()
	defer f.work.done()
	return f.startApproved(f.work.context(), who{userID: a.DecidedBy, channelID: a.Message.Channel}, a)
}

// approvable returns the channel an approved request invites from, or why it no longer can.
// The request is resolved again against today's mapping: the same store, and an app the
// channel still maps (a request waits for days, and the channel may have moved on meanwhile).
func (f *askFlow) approvable(ctx context.Context, a approval.Ask) (config.Channel, string) {
	ch, ok, err := f.mappings.Lookup(ctx, a.ChannelID)
	if err != nil || !ok || ch.Store != a.StoreID {
		return ch, fmt.Sprintf("<#%s> no longer invites into that store, so I invited nobody.", a.ChannelID)
	}
	if !slices.ContainsFunc(ch.Apps, func(app config.App) bool { return app.ID == a.AppID }) {
		return ch, fmt.Sprintf("<#%s> no longer invites into *%s* (it now invites into %s), so I invited nobody. Ask again there if it is still needed.",
			a.ChannelID, esc(a.AppName), appNames(ch.Apps))
	}
	if err := f.invites.CheckSize(len(a.Emails)); err != nil {
		return ch, fmt.Sprintf("The request names %d addresses, more than one request may invite now (%d), so I invited nobody.", len(a.Emails), f.invites.MaxEmails())
	}
	return ch, ""
}

// approvalRequestID is the invite request of an approved ask: one id per ask, so the invite
// starts once however many times starting it is tried.
func approvalRequestID(askID string) string { return "r" + askID }

// startApproved runs the invite an approval allows, as the approving lead, on the asker's
// behalf, with the results in the request's thread; the asker is told once it begins. The
// allowlist and address checks apply again, against today's mapping. An error means the
// invite could not be saved: Supervise tries again later.
func (f *askFlow) startApproved(ctx context.Context, w who, a approval.Ask) error {
	ch, problem := f.approvable(ctx, a)
	if problem != "" {
		f.tell(ctx, w, problem)
		if err := f.asks.SetRequest(ctx, a.ID, approval.NotInvited); err != nil {
			f.log.Warn("could not note that an approval invited nobody", "ask", a.ID, "error", err)
		}
		return nil
	}
	req := invite.Request{ID: approvalRequestID(a.ID), UserID: a.DecidedBy, RequestedBy: a.RequesterID,
		ChannelID: a.ChannelID, Origin: originAsk, StoreID: a.StoreID, AppID: a.AppID, AppName: a.AppName,
		Emails: a.Emails, Downloads: a.Downloads, Domains: ch.Domains, AccessFor: a.AccessFor, NotifyTesters: ch.NotifyTesters,
		Reply: invite.Reply{Channel: a.Message.Channel, Thread: a.Message.TS}}
	begun := func(ctx context.Context) {
		if err := f.asks.SetRequest(ctx, a.ID, req.ID); err != nil {
			f.log.Warn("could not note the invite an approval started", "ask", a.ID, "error", err)
		}
		f.postToAskers(ctx, a, fmt.Sprintf(":white_check_mark: <@%s> approved your request to invite %s into *%s*: the results are in the request's thread in <#%s>.",
			a.DecidedBy, plural(len(a.Emails), "address", "addresses"), esc(a.AppName), a.ChannelID))
	}
	err := f.invites.Start(ctx, req, f.inviter.thread(w, begun))
	switch {
	case errors.Is(err, invite.ErrRequestExists): // started before: by this click, or another replica
		return f.asks.SetRequest(ctx, a.ID, req.ID)
	case err != nil:
		f.log.Error("could not start the invite of an approval", "ask", a.ID, "error", err)
		return err
	}
	return nil
}

// onAskDeny asks the lead for an optional reason before denying.
func (f *askFlow) onAskDeny(cb slack.InteractionCallback) reply {
	id := cb.ActionCallback.BlockActions[0].Value
	w := who{userID: cb.User.ID, channelID: cb.Channel.ID, responseURL: cb.ResponseURL}
	return reply{opens: true, after: func(ctx context.Context) {
		f.openThenFill(ctx, w, cb.TriggerID, "Deny the request", func(ctx context.Context, _ string) slack.ModalViewRequest {
			if notice := f.notDeciderNotice(ctx, w.userID); notice != nil {
				return *notice
			}
			return denyModalView(id)
		})
	}}
}

// onDenySubmit denies the request, with the reason given.
func (f *askFlow) onDenySubmit(cb slack.InteractionCallback) reply {
	id := cb.View.PrivateMetadata
	reason := strings.TrimSpace(stateValue(cb.View.State, blockDenyReason).Value)
	w := who{userID: cb.User.ID}
	return reply{after: func(ctx context.Context) {
		if !f.mayDecide(ctx, w) {
			return
		}
		a, err := f.asks.Deny(ctx, id, w.userID, reason)
		if err != nil {
			f.postToUser(ctx, w.userID, f.decisionProblem(ctx, id, err))
			return
		}
		f.showDecision(ctx, *a)
		f.countAsk(*a, invite.Denied)
		text := fmt.Sprintf(":no_entry: <@%s> denied your request to invite %s into *%s*.", w.userID, plural(len(a.Emails), "address", "addresses"), esc(a.AppName))
		if reason != "" {
			text += " Their reason: " + esc(reason)
		}
		f.postToAskers(ctx, *a, text)
	}}
}

// mayDecide reports whether the person is a QA lead; anyone else is told privately, and nothing
// happens.
func (f *askFlow) mayDecide(ctx context.Context, w who) bool {
	if notice := f.notDeciderNotice(ctx, w.userID); notice != nil {
		f.tell(ctx, w, notice.Blocks.BlockSet[0].(*slack.SectionBlock).Text.Text)
		return false
	}
	return true
}

// notDeciderNotice is the notice for someone who may not decide requests, nil for a QA lead.
func (f *askFlow) notDeciderNotice(ctx context.Context, userID string) *slack.ModalViewRequest {
	var text string
	switch lead, err := f.gate.access.IsLead(ctx, userID); {
	case err != nil:
		text = f.accessUnknown(userID, err)
	case !lead:
		text = "Only QA leads can approve or deny requests for testers. " + leadsText(f.gate.access.Leads()) + " will decide."
	default:
		return nil
	}
	v := noticeModalView("Deny the request", text)
	return &v
}

// decisionProblem explains a decision that could not be made, and brings the request's
// message up to date (it may have just expired).
func (f *askFlow) decisionProblem(ctx context.Context, id string, err error) string {
	var decided *approval.DecidedError
	switch {
	case errors.As(err, &decided):
		f.showDecision(ctx, *decided.Ask)
		return "That request " + stateWords(*decided.Ask) + ", so nothing more happened."
	case errors.Is(err, approval.ErrNotFound):
		return "I can't find that request any more."
	}
	f.log.Error("could not decide a request", "ask", id, "error", err)
	return ":x: I couldn't record the decision (" + dbTrouble(err) + "). " + dbAdvice(err)
}

// appNames lists a channel's apps for a message, each in bold.
func appNames(apps []config.App) string {
	names := make([]string, len(apps))
	for i, app := range apps {
		names[i] = "*" + esc(app.Name) + "*"
	}
	return strings.Join(names, ", ")
}
