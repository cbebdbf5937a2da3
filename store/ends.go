package store

import (
	"context"
	"database/sql"

	"github.com/testerbot/testerbot/invite"
)

// Access that ends: one access_ends row per tester whose access ends, written by Finish in the
// transaction of the invite's outcome.

// scheduleEnd schedules the end of the access res gave. A tester whose end was scheduled before
// (invited again) gets the new end, posted in the new invite's thread; the lease is left alone,
// so a process removing the tester at this very moment still records what it did.
func (s *Store) scheduleEnd(ctx context.Context, tx *sql.Tx, r invite.Request, parentRef string, res invite.Result) error {
	thread := r.Reply.Thread // as the results are posted: the thread the request came from, else the parent's
	if thread == "" {
		thread = parentRef
	}
	_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO access_ends (
		store_id, app_id, otp_user_id, email, ends_at, request_id, channel_id, reply_channel, reply_thread,
		state, lease_owner, lease_until, attempts, ended_at, problem_kind, detail, posted, post_attempts
	) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'scheduled', '', 0, 0, 0, '', '', 0, 0)
	ON CONFLICT (store_id, app_id, otp_user_id) DO UPDATE SET email = excluded.email,
		ends_at = excluded.ends_at, request_id = excluded.request_id, channel_id = excluded.channel_id,
		reply_channel = excluded.reply_channel, reply_thread = excluded.reply_thread, state = 'scheduled',
		attempts = 0, ended_at = 0, problem_kind = '', detail = '', posted = 0, post_attempts = 0`),
		r.StoreID, r.AppID, res.Tester.ID, res.Email, toMillis(res.AccessEnds), r.ID, r.ChannelID,
		r.Reply.Channel, thread)
	return err
}
