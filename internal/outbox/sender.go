package outbox

import (
	"context"
	"time"

	"github.com/testerbot/testerbot/internal/wait"
)

// batch bounds the pending messages one round reads.
const batch = 1000

// Run sends pending messages until ctx ends; sends in flight then finish on their own (each
// is bounded by the HTTP client's timeout) and what they did is recorded.
func (o *Outbox) Run(ctx context.Context) {
	defer o.releaseLanes()
	var statsDue, probeDue, pruneDue time.Time
	for {
		next := o.opts.Poll
		if code := o.refused.Load().(string); code != "" {
			if now := o.opts.Now(); !now.Before(probeDue) {
				o.probe(ctx, code)
				probeDue = now.Add(o.opts.ProbeEvery)
			}
		}
		if n := o.round(ctx); n < next {
			next = n
		}
		if now := o.opts.Now(); !now.Before(statsDue) {
			o.observeBacklog(ctx, now)
			statsDue = now.Add(time.Second)
		}
		if now := o.opts.Now(); !now.Before(pruneDue) {
			o.prune(ctx, now)
			pruneDue = now.Add(o.opts.PruneEvery)
		}
		t := time.NewTimer(max(next, time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-o.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// prune deletes the messages settled longer than Keep ago. Of several replicas pruning at once,
// each deletes what is left; a failure is tried again at the next prune.
func (o *Outbox) prune(ctx context.Context, now time.Time) {
	n, err := o.store.PruneMessages(ctx, now.Add(-o.opts.Keep))
	switch {
	case err != nil && ctx.Err() == nil:
		o.opts.Logger.Warn("could not delete old sent messages from the outbox", "error", err)
	case n > 0:
		o.opts.Logger.Info("deleted old sent messages from the outbox", "messages", n, "older_than", o.opts.Keep.String())
	}
}

// releaseLanes gives this sender's lanes up once sends in flight are done, so that the next
// process need not wait for their leases to expire.
func (o *Outbox) releaseLanes() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		o.mu.Lock()
		busy := len(o.busy)
		o.mu.Unlock()
		if busy == 0 || wait.Sleep(ctx, 10*time.Millisecond) != nil {
			break
		}
	}
	if err := o.store.ReleaseLanes(ctx, o.owner); err != nil {
		o.opts.Logger.Warn("outbox: could not release lanes; they free up on their own", "error", err)
	}
}

func (o *Outbox) observeBacklog(ctx context.Context, now time.Time) {
	if o.opts.Observe == nil {
		return
	}
	depth, oldest, err := o.store.OutboxStats(ctx)
	if err != nil {
		return
	}
	age := time.Duration(0)
	if depth > 0 {
		age = now.Sub(oldest)
	}
	o.opts.Observe.Backlog(depth, age)
}

// round starts a send for the first message of each lane that may go now, and returns how long
// until the next one may.
func (o *Outbox) round(ctx context.Context) time.Duration {
	pending, err := o.store.PendingMessages(ctx, batch)
	if err != nil {
		if ctx.Err() == nil {
			o.opts.Logger.Warn("outbox: could not read pending messages", "error", err)
		}
		return o.opts.Poll
	}
	next := o.opts.Poll
	seen := map[string]bool{}
	refused := o.refused.Load().(string) != ""
	for _, p := range pending {
		lane := p.lane()
		if seen[lane] {
			continue // a lane sends in order: only its first message may go
		}
		seen[lane] = true
		if refused && p.Kind != Respond {
			continue
		}
		if wait := o.ready(ctx, &p); wait != 0 {
			if wait > 0 {
				next = min(next, wait)
			}
			continue
		}
		if !o.claimLane(ctx, lane) {
			continue
		}
		if !o.stillPending(ctx, p.Record) {
			o.releaseLane(lane) // sent meanwhile: this round read the lane before that was recorded
			next = 0
			continue
		}
		go o.send(ctx, p, lane)
	}
	return next
}

// ready says whether p may be sent now (0), later (> 0) or not until something changes (< 0),
// and spends its pace when it may.
func (o *Outbox) ready(ctx context.Context, p *Queued) time.Duration {
	now := o.opts.Now()
	if dep := p.dependsOn(); dep != "" {
		if p.DepState == Split {
			o.followSplit(ctx, p, dep)
		}
		switch p.DepState {
		case Sent:
			if p.Kind == Update {
				p.TS = p.DepTS
			} else {
				p.Thread = p.DepTS
			}
		case Failed, Dropped:
			o.final(ctx, p.Record, Failed, orDefault(p.DepError, "parent_not_posted"))
			return -1
		default:
			return -1 // waits for the message it depends on
		}
	}
	if p.NotBefore.After(now) {
		return p.NotBefore.Sub(now)
	}
	method, channel := p.method(), p.Channel
	if p.ToEmail != "" {
		member, known := o.member(p.ToEmail, now)
		if !known {
			method, channel = "users.lookupByEmail", ""
		} else if member == "" {
			o.final(ctx, p.Record, Dropped, "users_not_found")
			return -1
		} else {
			channel = member
		}
	}
	return o.pace.take(method, channel, now)
}

// followSplit makes a message that depends on a split message depend on its first part, where
// a thread starts and the ts an edit would change.
func (o *Outbox) followSplit(ctx context.Context, p *Queued, dep string) {
	for _, key := range []string{dep + "#1", dep + "#t"} {
		if part, err := o.store.LoadMessage(ctx, key); err == nil {
			p.DepState, p.DepTS, p.DepError = part.State, part.SentTS, part.Error
			return
		}
	}
}

func (p *Queued) dependsOn() string {
	if p.Kind == Update && p.TS == "" {
		return p.EditOf
	}
	if p.Kind == Post && p.Thread == "" {
		return p.ThreadOf
	}
	return ""
}

// claimLane marks lane busy in this process and leases it in the database.
func (o *Outbox) claimLane(ctx context.Context, lane string) bool {
	o.mu.Lock()
	if o.busy[lane] {
		o.mu.Unlock()
		return false
	}
	o.busy[lane] = true
	o.mu.Unlock()
	now := o.opts.Now()
	ok, err := o.store.TakeLane(ctx, lane, o.owner, now, now.Add(o.opts.LaneTTL))
	if err != nil || !ok {
		o.releaseLane(lane)
		return false
	}
	return true
}

// stillPending reads r again once its lane is held: the round's list may predate its send.
func (o *Outbox) stillPending(ctx context.Context, r Record) bool {
	now, err := o.store.LoadMessage(ctx, r.Key)
	return err == nil && now.State == Pending && now.Version == r.Version
}

func (o *Outbox) releaseLane(lane string) {
	o.mu.Lock()
	delete(o.busy, lane)
	o.mu.Unlock()
}

// send makes the one call p needs now and records what came of it.
func (o *Outbox) send(ctx context.Context, p Queued, lane string) {
	defer o.settled()
	defer o.releaseLane(lane)
	r := p.Record
	if r.ToEmail != "" {
		if _, known := o.member(r.ToEmail, o.opts.Now()); !known {
			o.lookup(ctx, r)
			return // the post goes in a later round, paced as a post
		}
		member, _ := o.member(r.ToEmail, o.opts.Now())
		r.Channel = member
	}
	ts, err := o.call(ctx, r)
	o.settle(ctx, r, ts, err)
}

func (o *Outbox) call(ctx context.Context, r Record) (string, error) {
	switch r.Kind {
	case Update:
		return r.TS, o.slack.Update(ctx, r.Channel, r.TS, r.Text, r.Blocks)
	case Respond:
		return "", o.slack.Respond(ctx, r.URL, r.Text, r.Blocks)
	}
	return o.slack.Post(ctx, r.Channel, r.Thread, r.Text, r.Blocks)
}

// member returns the member behind an address, and whether it is known (a miss is known too).
func (o *Outbox) member(email string, now time.Time) (string, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	m, ok := o.members[email]
	if !ok || now.After(m.until) {
		return "", false
	}
	return m.userID, true
}

func (o *Outbox) lookup(ctx context.Context, r Record) {
	userID, err := o.slack.LookupEmail(ctx, r.ToEmail)
	if err != nil {
		o.settle(ctx, r, "", err)
		return
	}
	o.mu.Lock()
	if len(o.members) > 100000 {
		clear(o.members)
	}
	o.members[r.ToEmail] = lookedUp{userID: userID, until: o.opts.Now().Add(o.opts.LookupTTL)}
	o.mu.Unlock()
}

// settle records the result of one call: sent, final, split, or to be tried again.
func (o *Outbox) settle(ctx context.Context, r Record, ts string, err error) {
	now := o.opts.Now()
	if err == nil {
		o.recordErr(r, wait.Record(ctx, func(ctx context.Context) error {
			return o.store.MessageSent(ctx, r.Key, r.Version, ts, now)
		}))
		return
	}
	f := classify(err)
	method := r.method()
	if r.ToEmail != "" && r.Channel == "" {
		method = "users.lookupByEmail"
	}
	switch f.kind {
	case rateLimited:
		o.pace.pause(method, r.Channel, now.Add(max(f.retryAfter, time.Second)))
		o.opts.Logger.Debug("outbox: Slack asked to slow down", "method", method, "retry_after", f.retryAfter.String())
	case tokenRefused:
		o.refuse(ctx, f.code)
	case channelGone, refusedForGood:
		o.opts.Logger.Warn("outbox: Slack will not take a message", "key", r.Key, "group", r.Group, "error", f.code)
		o.final(ctx, r, Failed, f.code)
	case tooLong:
		o.split(ctx, r)
	case badBlocks:
		if len(r.Blocks) == 0 {
			o.final(ctx, r, Failed, f.code)
			break
		}
		o.opts.Logger.Warn("outbox: Slack refused a message's blocks; sending its text alone", "key", r.Key, "group", r.Group, "error", f.code)
		o.textOnly(ctx, r)
	case noMember:
		o.final(ctx, r, Dropped, f.code)
	case stopped:
		// shutting down: the message stays pending for the next process
	default:
		attempts := r.Attempts + 1
		backoff := min(o.opts.Backoff<<min(attempts-1, 6), time.Minute)
		o.opts.Logger.Warn("outbox: could not send a message; it will be tried again", "key", r.Key,
			"group", r.Group, "error", f.code, "attempts", attempts, "retry_in", backoff.String())
		o.recordErr(r, wait.Record(ctx, func(ctx context.Context) error {
			return o.store.RetryMessage(ctx, r.Key, attempts, now.Add(backoff))
		}))
	}
}

// final makes r final and tells Options.Failed about a failure.
func (o *Outbox) final(ctx context.Context, r Record, state State, code string) {
	err := wait.Record(ctx, func(ctx context.Context) error {
		return o.store.MessageFinal(ctx, r.Key, state, code, o.opts.Now())
	})
	o.recordErr(r, err)
	if err == nil && state == Failed && o.opts.Failed != nil {
		o.opts.Failed(context.WithoutCancel(ctx), r, code)
	}
}

func (o *Outbox) recordErr(r Record, err error) {
	if err != nil {
		o.opts.Logger.Error("outbox: could not record a message's state", "key", r.Key, "error", err)
	}
}

// refuse stops the sender until the token works again, and tells the people whose messages wait.
func (o *Outbox) refuse(ctx context.Context, code string) {
	if o.refused.Swap(code).(string) == "" {
		o.opts.Logger.Error("Slack refused SLACK_BOT_TOKEN ("+code+"): set a working bot token; "+
			"messages wait in the outbox and are sent once it works", "error", code)
	}
	if o.opts.Failed == nil {
		return
	}
	pending, err := o.store.PendingMessages(ctx, batch)
	if err != nil {
		return
	}
	o.mu.Lock()
	var tell []Record
	for _, p := range pending {
		if p.Group != "" && p.AskerURL != "" && o.told[p.Group].IsZero() {
			o.told[p.Group] = o.opts.Now()
			tell = append(tell, p.Record)
		}
	}
	o.mu.Unlock()
	for _, r := range tell {
		o.opts.Failed(context.WithoutCancel(ctx), r, code)
	}
}

// probe tries a refused token again (Run calls it every ProbeEvery).
func (o *Outbox) probe(ctx context.Context, code string) {
	if err := o.slack.AuthTest(ctx); err != nil {
		return
	}
	if o.refused.CompareAndSwap(code, "") {
		o.mu.Lock()
		clear(o.told)
		o.mu.Unlock()
		o.opts.Logger.Info("Slack takes SLACK_BOT_TOKEN again: sending the messages that waited")
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
