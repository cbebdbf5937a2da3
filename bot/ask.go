package bot

import (
	"context"
	"errors"
	"fmt"

	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/approval"
	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/outbox"
)

// Asking for testers: with qa_leads set, an invite by someone who may not invite becomes a
// request to the QA leads, posted in the channel with Approve and Deny. Only a QA lead's click
// counts. Approving invites as the lead, on the asker's behalf, with the results in the request's
// thread; denying may give a reason. Both are told to the asker privately. Deciding is in
// ask_decision.go; the request message and the deny modal are built in ask_view.go.

const (
	actionAskApprove  = "ask_approve"
	actionAskDeny     = "ask_deny"
	callbackDenyModal = "ask_deny_modal"
	blockDenyReason   = "deny_reason"
	originAsk         = "ask"
	askAddressesShown = 20
)

// askFlow is the surface of requests for testers and their decisions. It holds what the surface
// uses and nothing more: the requests, the invites an approval starts (and the invite core, for
// the one an approval resumes), today's mapping, who is a QA lead, the outbox, and the work a
// graceful stop waits for.
type askFlow struct {
	replies                    // tell, openThenFill, accessUnknown and cannotPostCode; and its log
	asks     *approval.Service // nil: nobody is asked, and people who may not invite are refused
	invites  *invite.Service
	inviter  *inviter // starts the invites of those who may manage, and of approvals
	mappings Mappings
	gate     *gate
	posts    *posts
	metrics  Metrics
	// work counts what a graceful stop waits for and gives the context it runs on: the bot's
	// work context, which outlives Supervise's (that one ends as soon as the bot drains).
	work *workTracker
}

// inviteOrAsk invites for someone who may manage the channel's testers; with QA leads named,
// anyone else asks them instead; without, they are refused.
func (f *askFlow) inviteOrAsk(ctx context.Context, w who, ch config.Channel, req invite.Request, reason string) {
	ok, err := f.gate.access.MayManage(ctx, w.userID, ch.ID)
	switch {
	case err != nil:
		f.tell(ctx, w, f.accessUnknown(w.userID, err))
	case ok:
		f.inviter.start(ctx, w, req)
	case f.gate.access.Leads() == nil || f.asks == nil:
		f.tell(ctx, w, f.gate.refusalText(ch.ID))
	default:
		f.ask(ctx, w, req, reason)
	}
}

// ask records a request for testers, posts it in the channel for the QA leads, and tells the
// asker. Addresses someone already asked for are not asked twice: the asker joins that request,
// and the leads see both askers. Someone with too many requests waiting is refused.
func (f *askFlow) ask(ctx context.Context, w who, req invite.Request, reason string) {
	created, err := f.asks.Create(ctx, approval.Ask{
		RequesterID: w.userID, ChannelID: req.ChannelID, StoreID: req.StoreID, AppID: req.AppID, AppName: req.AppName,
		Emails: req.Emails, Downloads: req.Downloads, AccessFor: req.AccessFor, Reason: truncate(reason, maxReason),
	})
	if tooMany, ok := errors.AsType[*approval.TooManyError](err); ok {
		f.tell(ctx, w, fmt.Sprintf(":hourglass_flowing_sand: You already have %d requests waiting for the QA leads, the most one person may have, so I asked nobody. Ask again once one is decided; the App Home shows yours.", tooMany.Limit))
		return
	}
	if err != nil {
		f.log.Error("could not record a request for testers", "user", w.userID, "error", err)
		f.tell(ctx, w, ":x: I couldn't record your request ("+dbTrouble(err)+"), so nobody was asked. "+dbAdvice(err))
		return
	}
	for _, joined := range created.Joined {
		f.showDecision(ctx, joined) // the leads see every asker
	}
	a, already := created.Ask, ""
	if len(created.Pending) > 0 {
		already = " Already waiting for a decision, so not asked again: " + quoteList(created.Pending, 10) + "."
		if len(created.Joined) > 0 {
			already += " I added you to that request, so the QA leads see that you asked too."
		}
	}
	if a == nil {
		f.tell(ctx, w, ":hourglass_flowing_sand: Every one of those addresses is already waiting for a QA lead's decision."+already)
		return
	}
	f.countAsk(*a, invite.Asked)
	ts, err := f.posts.postAndWait(ctx, outbox.Message{Key: askKey(a.ID), Channel: a.ChannelID, Priority: outbox.PriorityParent,
		Text: askMessageText(*a, f.gate.access.Leads()), Blocks: encodeBlocks(askBlocks(*a, f.gate.access.Leads())), Group: a.ID})
	if err != nil {
		if refused, ok := errors.AsType[*notPosted](err); ok {
			f.cannotPostCode(ctx, w, a.ChannelID, refused.code)
		}
		if _, err := f.asks.Deny(ctx, a.ID, "", "the bot could not post the request in the channel"); err != nil {
			f.log.Warn("could not withdraw a request nobody can see", "ask", a.ID, "error", err)
		}
		return
	}
	if err := f.asks.SetMessage(ctx, a.ID, approval.Message{Channel: a.ChannelID, TS: ts}); err != nil {
		f.log.Warn("could not note where a request is shown", "ask", a.ID, "error", err)
	}
	f.tell(ctx, w, fmt.Sprintf(":raised_hand: Only QA leads invite testers, so I asked them to invite %s into *%s*. You'll hear from me when one decides.%s",
		plural(len(a.Emails), "address", "addresses"), esc(a.AppName), already))
}

// showDecision replaces the request's buttons with who decided.
func (f *askFlow) showDecision(ctx context.Context, a approval.Ask) {
	if a.Message.TS == "" {
		return
	}
	_, _ = f.posts.enqueue(ctx, outbox.Message{Key: askKey(a.ID) + ":edit", Kind: outbox.Update, Channel: a.Message.Channel,
		TS: a.Message.TS, Text: askMessageText(a, f.gate.access.Leads()), Blocks: encodeBlocks(askBlocks(a, f.gate.access.Leads())),
		Replace: true, Group: a.ID})
}

// Expired shows that a request expired, on its message and to its askers; with Approved (in
// ask_decision.go) it makes askFlow the approval package's Handler, which Run hands to
// Asks.Supervise.
func (f *askFlow) Expired(ctx context.Context, a approval.Ask) error {
	f.showDecision(ctx, a)
	f.countAsk(a, invite.AskExpired)
	f.postToAskers(ctx, a, fmt.Sprintf(":hourglass: Your request to invite %s into *%s* expired: no QA lead decided in time. Ask again if it is still needed.",
		plural(len(a.Emails), "address", "addresses"), esc(a.AppName)))
	return nil
}

// postToAskers tells everyone who asked for a request: its requester, and those who joined it.
func (f *askFlow) postToAskers(ctx context.Context, a approval.Ask, text string) {
	f.postToUser(ctx, a.RequesterID, text)
	for _, u := range a.AlsoAskedBy {
		f.postToUser(ctx, u, text)
	}
}

// countAsk counts what happened to each address of a request, for metrics.
func (f *askFlow) countAsk(a approval.Ask, o invite.Outcome) {
	for range a.Emails {
		f.metrics.Outcome(o)
	}
}

// postToUser saves a direct message for the outbox; the same words to the same person are one
// message, sent once.
func (f *askFlow) postToUser(ctx context.Context, userID, text string) {
	_, _ = f.posts.enqueue(ctx, outbox.Message{Key: contentKey("dm", userID, "", text), Channel: userID, Text: text})
}
