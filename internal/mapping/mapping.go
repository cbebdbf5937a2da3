// Package mapping is the live answer to "which Applivery store and apps does this channel invite
// into?": the channels listed in the mapping file, which the file manages, plus the channels QA
// leads link from Slack with /invite-tester setup, which live in the database so that every
// replica sees them.
//
// The file is reloaded on SIGHUP and whenever it changes; a broken new file is refused whole and
// the old mapping stays in force. Links are read from the database every few seconds, and at
// once after this process changes one. A channel listed in the file is managed by the file: a
// link for it cannot be made, and one made before the file listed it is ended, in the audit
// trail by FileActor, so that it never comes back by itself when the channel leaves the file.
package mapping

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/testerbot/testerbot/config"
)

// Change is one change to a channel's link, as the audit log keeps it.
type Change struct {
	At            time.Time
	UserID        string
	Action        string          // linked, changed or unlinked
	Before, After *config.Channel // the link before and after; nil for none
}

// Links keeps the links: the channels linked to a store and app from Slack, each a
// config.Channel with Source FromSlack, one app, LinkedBy and LinkedAt. *store.Store implements
// it. SaveLink and RemoveLink write the audit log's before-and-after row in the same
// transaction.
type Links interface {
	Links(ctx context.Context) ([]config.Channel, error)
	Link(ctx context.Context, channelID string) (*config.Channel, error)
	SaveLink(ctx context.Context, link config.Channel) (before *config.Channel, err error)
	RemoveLink(ctx context.Context, channelID, by string) (before *config.Channel, err error)
	LinkChanges(ctx context.Context, channelID string) ([]Change, error)
}

// Live is the mapping in force. It is safe for concurrent use; reads never block on the file or
// the database, so acks can use them.
type Live struct {
	path  string
	links Links

	file    atomic.Pointer[config.Mapping]
	linked  atomic.Pointer[map[string]config.Channel]
	reloads sync.Mutex // one reload of the file at a time
	stamp   fileStamp  // guarded by reloads
}

// New loads the mapping file at path (every problem reported at once, as at start-up) and the
// links in the database.
func New(ctx context.Context, path string, links Links) (*Live, error) {
	m, err := config.LoadMapping(path)
	if err != nil {
		return nil, err
	}
	l := &Live{path: path, links: links}
	l.file.Store(m)
	l.stamp, _ = stampOf(path)
	empty := map[string]config.Channel{}
	l.linked.Store(&empty)
	if _, err := l.refreshLinks(ctx); err != nil {
		return nil, err
	}
	return l, nil
}

// Path is the mapping file's path, named in messages.
func (l *Live) Path() string { return l.path }

// Leads are the file's QA leads (nil when it has none); they follow reloads.
func (l *Live) Leads() *config.QALeads { return l.file.Load().QALeads }

// Channel returns the mapping of a channel: the file's, else its link as last read. Its Source
// says which.
func (l *Live) Channel(id string) (config.Channel, bool) {
	if ch, ok := l.file.Load().Channel(id); ok {
		return ch, true
	}
	link, ok := (*l.linked.Load())[id]
	return link, ok
}

// All returns every mapped channel: the file's in file order, then the links by channel id.
func (l *Live) All() []config.Channel {
	file := l.file.Load()
	out := slices.Clone(file.Channels)
	for _, link := range l.sortedLinks() {
		if _, inFile := file.Channel(link.ID); !inFile {
			out = append(out, link)
		}
	}
	return out
}

// inFile reports whether the file manages the channel.
func (l *Live) inFile(id string) bool {
	_, ok := l.file.Load().Channel(id)
	return ok
}

// Lookup is Channel asked of the database itself rather than of what this process last read:
// after the ack, so that a link another replica made (or changed) a moment ago is found. The
// file's channels need no database.
func (l *Live) Lookup(ctx context.Context, id string) (config.Channel, bool, error) {
	if ch, ok := l.file.Load().Channel(id); ok {
		return ch, true, nil
	}
	link, err := l.links.Link(ctx, id)
	if err != nil || link == nil {
		return config.Channel{}, false, err
	}
	l.remember(*link)
	return *link, true, nil
}

// Changes returns the channel's link changes, newest first.
func (l *Live) Changes(ctx context.Context, id string) ([]Change, error) {
	return l.links.LinkChanges(ctx, id)
}

// Save links a channel from Slack (one app, LinkedBy set) and returns the link it replaced, if
// any. The link is saved with Source FromSlack and, unless set, LinkedAt now.
func (l *Live) Save(ctx context.Context, link config.Channel) (*config.Channel, error) {
	if l.inFile(link.ID) {
		return nil, ErrManagedByFile
	}
	link.Source = config.FromSlack
	if link.LinkedAt.IsZero() {
		// Set here, to the millisecond as the database keeps it, so that remember has it too.
		link.LinkedAt = time.Now().UTC().Truncate(time.Millisecond)
	}
	before, err := l.links.SaveLink(ctx, link)
	if err == nil {
		l.remember(link)
	}
	return before, err
}

// Remove unlinks a channel linked from Slack and returns the link it removed.
func (l *Live) Remove(ctx context.Context, channelID, by string) (*config.Channel, error) {
	if l.inFile(channelID) {
		return nil, ErrManagedByFile
	}
	before, err := l.links.RemoveLink(ctx, channelID, by)
	if err == nil {
		l.forget(channelID)
	}
	return before, err
}

// ErrManagedByFile refuses to link, change or unlink from Slack a channel the file lists.
var ErrManagedByFile = errorString("the mapping file manages this channel")

type errorString string

func (e errorString) Error() string { return string(e) }

func (l *Live) sortedLinks() []config.Channel {
	links := *l.linked.Load()
	out := make([]config.Channel, 0, len(links))
	for _, link := range links {
		out = append(out, link)
	}
	slices.SortFunc(out, func(a, b config.Channel) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// FileActor is who ends, in the audit trail, the Slack link of a channel the mapping file took
// over.
const FileActor = "mapping-file"

// refreshLinks reads the links again, ending those of channels the file now lists: a link the
// file took over must not come back, with its old app, downloads and domains, when the channel
// leaves the file. The channel is then unlinked until a lead links it again.
// It returns the channels whose links it ended.
func (l *Live) refreshLinks(ctx context.Context) (ended []string, err error) {
	links, err := l.links.Links(ctx)
	if err != nil {
		return nil, err
	}
	file := l.file.Load()
	byChannel := make(map[string]config.Channel, len(links))
	for _, link := range links {
		if _, inFile := file.Channel(link.ID); inFile {
			if _, err := l.links.RemoveLink(ctx, link.ID, FileActor); err != nil {
				return ended, err
			}
			ended = append(ended, link.ID)
			continue
		}
		byChannel[link.ID] = link
	}
	l.linked.Store(&byChannel)
	return ended, nil
}

// remember and forget apply this process's own changes at once, without waiting for the next
// refresh; they copy the map, which readers share.
func (l *Live) remember(link config.Channel) {
	l.update(func(m map[string]config.Channel) { m[link.ID] = link })
}

func (l *Live) forget(channelID string) {
	l.update(func(m map[string]config.Channel) { delete(m, channelID) })
}

func (l *Live) update(change func(map[string]config.Channel)) {
	for {
		old := l.linked.Load()
		next := make(map[string]config.Channel, len(*old)+1)
		for k, v := range *old {
			next[k] = v
		}
		change(next)
		if l.linked.CompareAndSwap(old, &next) {
			return
		}
	}
}
