package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/internal/outbox"
	"github.com/testerbot/testerbot/internal/store"
	"github.com/testerbot/testerbot/internal/store/storetest"
)

// Old settled messages go, so the outbox does not grow for as long as the bot runs; what is
// pending, recent, or what a pending message still needs (its thread's parent, the message it
// edits) stays.
func TestPruneDeletesOnlyOldSettledMessagesNothingPendingNeeds(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		old, recent, cutoff := at(0), at(30), at(10)
		save := func(m outbox.Message) {
			m.Channel, m.Text = "C1", "text of "+m.Key
			if m.Kind == "" {
				m.Kind = outbox.Post
			}
			_, err := s.EnqueueMessage(ctx, outbox.Record{Message: m, Ord: m.Key, State: outbox.Pending, CreatedAt: old})
			require.NoError(t, err)
		}
		for _, key := range []string{"old-sent", "old-parent", "old-edited", "recent-sent", "pending", "old-failed"} {
			save(outbox.Message{Key: key})
		}
		save(outbox.Message{Key: "reply", ThreadOf: "old-parent"})
		save(outbox.Message{Key: "edit", Kind: outbox.Update, EditOf: "old-edited"})
		for _, key := range []string{"old-sent", "old-parent", "old-edited"} {
			require.NoError(t, s.MessageSent(ctx, key, 0, "1700000000.000001", old))
		}
		require.NoError(t, s.MessageFinal(ctx, "old-failed", outbox.Failed, "not_in_channel", old))
		require.NoError(t, s.MessageSent(ctx, "recent-sent", 0, "1700000000.000002", recent))
		for _, key := range []string{"old-sent", "old-parent", "old-edited", "recent-sent"} {
			r, err := s.LoadMessage(ctx, key)
			require.NoError(t, err)
			require.Equal(t, outbox.Sent, r.State, key)
		}

		n, err := s.PruneMessages(ctx, cutoff)
		require.NoError(t, err)

		assert.Equal(t, 2, n)
		for key, kept := range map[string]bool{"old-sent": false, "old-failed": false, "old-parent": true, "old-edited": true,
			"recent-sent": true, "pending": true, "reply": true, "edit": true} {
			_, err := s.LoadMessage(ctx, key)
			if kept {
				assert.NoError(t, err, key)
			} else {
				assert.ErrorIs(t, err, outbox.ErrNotFound, key)
			}
		}
		n, err = s.PruneMessages(ctx, cutoff)
		require.NoError(t, err)
		assert.Zero(t, n, "nothing more to delete")
	})
}
