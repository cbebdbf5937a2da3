package mapping

import (
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"os"
	"time"

	"github.com/testerbot/testerbot/config"
)

// fileStamp identifies the file's contents, so that a reload happens when they change and a
// touch, or a config map's symlink swap to the same contents, is not a reload.
type fileStamp [sha256.Size]byte

func stampOf(path string) (fileStamp, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return fileStamp{}, err
	}
	return sha256.Sum256(data), nil
}

// Watch keeps the mapping current until ctx ends: it reloads the file when hup receives (SIGHUP)
// and when its contents change (checked every interval), and reads the links again every
// interval. Problems are logged; the mapping in force stays until a good one replaces it.
func (l *Live) Watch(ctx context.Context, hup <-chan os.Signal, interval time.Duration, log *slog.Logger) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			l.Reload(log, true)
		case <-tick.C:
			l.Reload(log, false)
			ended, err := l.refreshLinks(ctx)
			for _, channel := range ended {
				log.Info("the mapping file took a channel over: its link made from Slack is ended", "channel", channel)
			}
			if err != nil && ctx.Err() == nil {
				log.Warn("could not read the channel links; keeping the ones read before", "error", err)
			}
		}
	}
}

// Reload reads the mapping file again and puts it in force if it is valid and, unless forced,
// changed. A broken file is refused whole: the old mapping stays, and every problem is logged
// with its line. It reports whether a new mapping is in force.
func (l *Live) Reload(log *slog.Logger, forced bool) bool {
	l.reloads.Lock()
	defer l.reloads.Unlock()
	stamp, err := stampOf(l.path)
	if err != nil {
		log.Error("could not read the mapping file; the mapping in force stays", "file", l.path, "error", err)
		return false
	}
	if stamp == l.stamp && !forced {
		return false
	}
	l.stamp = stamp
	m, err := config.LoadMapping(l.path)
	if problems, ok := errors.AsType[*config.Problems](err); ok {
		log.Error("the new mapping file is invalid; the mapping in force stays", "file", l.path, "problems", problems.List)
		return false
	}
	if err != nil {
		log.Error("could not load the mapping file; the mapping in force stays", "file", l.path, "error", err)
		return false
	}
	l.file.Store(m)
	log.Info("mapping file reloaded", "file", l.path, "channels", len(m.Channels), "qa_leads", m.QALeads != nil)
	return true
}
