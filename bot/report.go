package bot

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/invite"
)

// destination says where an invite's results go.
type destination struct {
	channelID string
	threadTS  string // post into this existing thread (message shortcut); "" starts a new one
	who       who    // the person who asked, told privately when the channel is out of reach
	appNote   string // appended to the parent message, e.g. which of several apps was used
}

// progressInterval keeps live progress edits of one message near Slack's one-per-second pace.
const progressInterval = time.Second

// runInvite posts the parent message, runs the invite with live progress, then posts the
// per-tester details into the thread. If the bot cannot post in the channel nobody is invited,
// and the person is told how to fix it: results nobody could see would be lost.
func (b *Bot) runInvite(ctx context.Context, dest destination, req invite.Request) {
	total := len(req.Emails)
	status, err := b.slack.post(ctx, dest.channelID,
		slack.MsgOptionText(startText(req, dest.appNote), false),
		slack.MsgOptionTS(dest.threadTS))
	if err != nil {
		b.cannotPost(ctx, dest, err)
		return
	}
	thread := dest.threadTS
	if thread == "" {
		thread = status
	}
	progress := newProgressUpdater(total, progressInterval, func(done int) {
		_ = b.slack.update(ctx, dest.channelID, status, slack.MsgOptionText(progressText(req, dest.appNote, done, total), false))
	})
	report, err := b.d.Invites.Invite(ctx, req, progress.report)
	progress.stop()
	if err != nil { // refused as a whole; callers check the size first, so this is a safety net
		_ = b.slack.update(ctx, dest.channelID, status, slack.MsgOptionText(":x: "+esc(err.Error()), false))
		return
	}
	if err := b.slack.update(ctx, dest.channelID, status,
		slack.MsgOptionText(summaryText(report, dest.appNote), false)); err != nil {
		b.log.Warn("could not update the parent message", "request_id", req.ID, "error", err.Error())
	}
	for _, msg := range resultMessages(report) {
		if _, err := b.slack.post(ctx, dest.channelID, slack.MsgOptionTS(thread),
			slack.MsgOptionText(msg.text, false), slack.MsgOptionBlocks(msg.blocks...)); err != nil {
			b.log.Error("could not post results", "request_id", req.ID, "error", err.Error())
			b.tell(ctx, dest.who, "I invited the testers but could not post the details in the thread: "+code(slackErrorCode(err))+". See the App Home for the latest invitations.")
			return
		}
	}
}

// cannotPost tells the person why their invite did not run, with the fix.
func (b *Bot) cannotPost(ctx context.Context, dest destination, err error) {
	code := slackErrorCode(err)
	b.log.Warn("cannot post in channel", "channel", dest.channelID, "error", code)
	text := fmt.Sprintf(":warning: I can't post in <#%s> (Slack said %s), so I did not invite anyone.", dest.channelID, code)
	switch code {
	case "not_in_channel", "channel_not_found":
		text += " Add me to the channel first: type `/invite @testerbot` there (for a private channel, a member must do it), then try again."
	case "is_archived":
		text += " The channel is archived; ask an admin to map another channel."
	default:
		text += " Please try again in a moment."
	}
	b.tell(ctx, dest.who, text)
}

// progressUpdater turns per-email progress into at most one message edit per interval, without
// ever blocking the invite workers. Intermediate states coalesce; the final summary is sent by the
// caller after stop, so the last state is always shown.
type progressUpdater struct {
	wake chan struct{}
	quit chan struct{}
	done chan struct{}
	mu   sync.Mutex
	n    int
}

func newProgressUpdater(total int, interval time.Duration, send func(done int)) *progressUpdater {
	p := &progressUpdater{wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	go p.loop(total, interval, send)
	return p
}

func (p *progressUpdater) loop(total int, interval time.Duration, send func(done int)) {
	defer close(p.done)
	for {
		select {
		case <-p.quit:
			return
		case <-p.wake:
		}
		if n := p.current(); n < total {
			send(n)
		}
		pace := time.NewTimer(interval) // further progress coalesces meanwhile
		select {
		case <-p.quit:
			pace.Stop()
			return
		case <-pace.C:
		}
	}
}

func (p *progressUpdater) current() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

func (p *progressUpdater) report(done, _ int) {
	p.mu.Lock()
	p.n = max(p.n, done)
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// stop ends the updater and waits for an edit in progress, so the summary is the last edit.
func (p *progressUpdater) stop() {
	close(p.quit)
	<-p.done
}
