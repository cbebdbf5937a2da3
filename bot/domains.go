package bot

import (
	"context"
	"log/slog"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/address"
	"github.com/testerbot/testerbot/internal/expiry"
	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/store"
)

// A channel's domains limit what it shows and acts on, not only what it invites: a partner
// channel limited to partner.io never lists, finds, removes, revokes or reads the history of a
// tester at another domain, although the app it invites into is shared.

// inDomains reports whether a channel may see and act on an address.
func inDomains(ch config.Channel, email string) bool { return address.DomainAllowed(email, ch.Domains) }

// domainsRefusal says why an address outside a channel's domains is left alone.
func domainsRefusal(ch config.Channel, email string) string {
	return ":no_entry: This channel manages only addresses at " + domainList(ch.Domains) + ", so I left *" + esc(email) + "* alone."
}

// domainList names domains for a message.
func domainList(domains []string) string {
	quoted := make([]string, len(domains))
	for i, d := range domains {
		quoted[i] = code(d)
	}
	return strings.Join(quoted, ", ")
}

// testerReads is what the surfaces read about testers and invitations: Applivery's lists, the
// audit log and when access ends, each limited to a channel's domains.
type testerReads struct {
	invites *invite.Service
	history History // nil: no history is kept
	ends    Ends    // nil: no access ends
	log     *slog.Logger
}

// everyMatch asks a listing for every tester that matches its filter: with a filter the
// Applivery client walks every page anyway, to count exactly.
const everyMatch = math.MaxInt32

// list lists up to max testers of a channel's apps whose address contains filter,
// only those at the channel's domains when it has some. Total counts the testers at those
// domains. Each domain is searched as "@domain", which Applivery narrows, and every answer is
// checked here exactly.
func (r *testerReads) list(ctx context.Context, ch config.Channel, apps []config.App, filter string, max int) (*invite.Listing, error) {
	if len(ch.Domains) == 0 {
		return r.invites.List(ctx, ch.Store, apps, filter, max)
	}
	queries := []string{filter}
	if strings.TrimSpace(filter) == "" {
		queries = queries[:0]
		for _, d := range ch.Domains {
			queries = append(queries, "@"+d)
		}
	}
	want := strings.ToLower(strings.TrimSpace(filter))
	out := &invite.Listing{}
	seen := map[[2]string]bool{}
	for _, q := range queries {
		l, err := r.invites.List(ctx, ch.Store, apps, q, everyMatch)
		if err != nil {
			return nil, err
		}
		for _, t := range l.Testers {
			key := [2]string{t.App.ID, t.User.ID}
			if seen[key] || !inDomains(ch, t.User.Email) || !strings.Contains(strings.ToLower(t.User.Email), want) {
				continue
			}
			seen[key] = true
			out.Total++
			if len(out.Testers) < max {
				out.Testers = append(out.Testers, t)
			}
		}
	}
	return out, nil
}

// accessEnds says when the listed testers' access ends, for those whose does.
func (r *testerReads) accessEnds(ctx context.Context, storeID string, testers []invite.Tester) map[string]time.Time {
	if r.ends == nil || len(testers) == 0 {
		return nil
	}
	ids := make([]string, len(testers))
	for i, t := range testers {
		ids[i] = t.User.ID
	}
	ends, err := r.ends.AccessEnds(ctx, storeID, ids)
	if err != nil {
		r.log.Warn("could not read when access ends", "error", err)
	}
	return ends
}

// historyLimit is how many audit rows are read to fill a domain-limited history: the rows
// of other domains are dropped after reading.
const historyLimit = store.MaxLimit

// recent reads the latest audit rows of q, up to limit, dropping those of addresses
// outside their channel's domains.
func (r *testerReads) recent(ctx context.Context, q store.Query, channels []config.Channel, limit int) ([]store.Entry, error) {
	limited := slices.ContainsFunc(channels, func(ch config.Channel) bool { return len(ch.Domains) > 0 })
	q.Limit = limit
	if limited {
		q.Limit = historyLimit
	}
	entries, err := r.history.Recent(ctx, q)
	if !limited {
		return entries, err
	}
	byID := channelsByID(channels)
	entries = slices.DeleteFunc(entries, func(e store.Entry) bool { return !inDomains(byID[e.ChannelID], e.Email) })
	return entries[:min(len(entries), limit)], err
}

// endsInDomains drops the ends of addresses outside their channel's domains.
func endsInDomains(ends []expiry.End, channels []config.Channel) []expiry.End {
	byID := channelsByID(channels)
	return slices.DeleteFunc(ends, func(e expiry.End) bool { return !inDomains(byID[e.ChannelID], e.Email) })
}

func channelsByID(channels []config.Channel) map[string]config.Channel {
	m := make(map[string]config.Channel, len(channels))
	for _, ch := range channels {
		m[ch.ID] = ch
	}
	return m
}
