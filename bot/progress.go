package bot

import (
	"sync"
	"time"
)

// progressInterval keeps live progress edits of one message near Slack's one-per-second pace.
const progressInterval = time.Second

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
