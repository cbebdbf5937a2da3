package slackfake

import (
	"testing"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack/socketmode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEnvelopesTakeTurnsOverConnectionsAndRetriesMove(t *testing.T) {
	fake := New(t)
	ctx := testContext(t)
	first := startClient(t, fake)
	require.NoError(t, fake.WaitConnections(ctx, 1))
	second := startClient(t, fake)
	require.NoError(t, fake.WaitConnections(ctx, 2))
	assert.Equal(t, 2, second.next(t, socketmode.EventTypeHello).Request.NumConnections)

	var ids []string
	for range 4 {
		ids = append(ids, fake.Event(map[string]any{"type": "app_home_opened", "user": "U1", "tab": "home"}))
	}
	got := func(client *botClient) []string {
		return []string{
			client.next(t, socketmode.EventTypeEventsAPI).Request.EnvelopeID,
			client.next(t, socketmode.EventTypeEventsAPI).Request.EnvelopeID,
		}
	}

	assert.Equal(t, []string{ids[0], ids[2]}, got(first))
	assert.Equal(t, []string{ids[1], ids[3]}, got(second))
	assert.Equal(t, []int{1}, fake.Deliveries(ids[0]))
	assert.Equal(t, []int{2}, fake.Deliveries(ids[1]))

	id := fake.Event(map[string]any{"type": "app_home_opened", "user": "U2", "tab": "home"})
	assert.Equal(t, id, first.next(t, socketmode.EventTypeEventsAPI).Request.EnvelopeID)
	fake.Redeliver(id)
	retry := second.next(t, socketmode.EventTypeEventsAPI)

	assert.Equal(t, id, retry.Request.EnvelopeID)
	assert.Equal(t, 1, retry.Request.RetryAttempt)
	assert.Equal(t, []int{1, 2}, fake.Deliveries(id), "the retry went to the other connection")
	require.NoError(t, second.sm.Ack(*retry.Request))
	ack, err := fake.WaitAck(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, 2, ack.Connection)
}

func TestAnEleventhConnectionIsRefused(t *testing.T) {
	fake := New(t, WithPingInterval(0))
	api := newAPI(fake)
	ctx := testContext(t)

	var conns []*websocket.Conn
	for i := range 10 {
		_, url, err := api.StartSocketModeContext(ctx)
		require.NoError(t, err)
		ws, resp, err := websocket.DefaultDialer.DialContext(ctx, url, nil)
		require.NoError(t, err)
		resp.Body.Close()
		t.Cleanup(func() { ws.Close() })
		var hello struct {
			Type           string `json:"type"`
			NumConnections int    `json:"num_connections"`
		}
		require.NoError(t, ws.ReadJSON(&hello))
		assert.Equal(t, i+1, hello.NumConnections)
		conns = append(conns, ws)
	}

	_, _, err := api.StartSocketModeContext(ctx)
	assert.Equal(t, "too_many_websockets", slackError(t, err))

	require.NoError(t, conns[0].Close())
	_, err = waitFor(ctx, fake, "the closed connection to go", func() (struct{}, bool) {
		fake.mu.Lock()
		defer fake.mu.Unlock()
		return struct{}{}, len(fake.state.sockets) < maxConnections
	})
	require.NoError(t, err)
	_, _, err = api.StartSocketModeContext(ctx)
	assert.NoError(t, err, "a connection may open once one closed")
}

func TestDisconnectOldestRetiresOneConnectionAndTheOtherServes(t *testing.T) {
	fake := New(t)
	ctx := testContext(t)
	startClient(t, fake)
	require.NoError(t, fake.WaitConnections(ctx, 1))
	startClient(t, fake)
	require.NoError(t, fake.WaitConnections(ctx, 2))

	assert.Equal(t, 1, fake.DisconnectOldest("refresh_requested"))

	for range 4 {
		id := fake.Event(map[string]any{"type": "app_home_opened", "user": "U1", "tab": "home"})
		deliveries, err := waitFor(ctx, fake, "a delivery", func() ([]int, bool) {
			d := fake.Deliveries(id)
			return d, len(d) > 0
		})
		require.NoError(t, err)
		assert.NotContains(t, deliveries, 1, "not to the connection being refreshed")
	}
}
