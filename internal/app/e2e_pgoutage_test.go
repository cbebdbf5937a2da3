package app_test

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/internal/pgtest"
)

// outageProxy stands between the bot and PostgreSQL, so a test can cut the database off and
// bring it back: while down it closes every connection, open or new.
type outageProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  []net.Conn
}

func newOutageProxy(t *testing.T, target string) *outageProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &outageProxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go p.serve()
	return p
}

func (p *outageProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.down {
			p.mu.Unlock()
			c.Close()
			continue
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns = append(p.conns, c, server)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(server, c); server.Close() }()
		go func() { _, _ = io.Copy(c, server); c.Close() }()
	}
}

// cut ends the outage's connections; setDown(true) also refuses new ones.
func (p *outageProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *outageProxy) setDown(down bool) {
	p.mu.Lock()
	p.down = down
	p.mu.Unlock()
	if down {
		p.cut()
	}
}

// throughProxy is dbURL with its host replaced by the proxy's.
func throughProxy(t *testing.T, dbURL string) (string, *outageProxy) {
	u, err := url.Parse(dbURL)
	require.NoError(t, err)
	p := newOutageProxy(t, u.Host)
	u.Host = p.ln.Addr().String()
	return u.String(), p
}

// A PostgreSQL outage is logged when it begins and when it ends, with how long it lasted: not
// once per failed check or loop (435 ERROR lines in 30 s, before).
func TestAPostgresOutageIsLoggedAtItsStartAndEndNotOnEveryCheck(t *testing.T) {
	t.Parallel()
	dbURL, proxy := throughProxy(t, pgtest.NewDatabase(t))
	h := newHarness(t, withEnv("DATABASE_URL", dbURL)).start()
	h.waitReadyz(http.StatusOK, "ready")

	proxy.setDown(true)
	h.waitReadyz(http.StatusServiceUnavailable, "database:")
	h.waitUntilLogged(`"level":"ERROR","msg":"database: check that the database at DATABASE_URL is up and reachable"`, 5*time.Second)
	outage := time.Now()
	// Several rounds of every loop that reads or writes the database (the checks every 2 s,
	// the mapping's every 2 s, the invite and expiry supervisors).
	h.pollUntil(10*time.Second, "", func() bool { return time.Since(outage) > 5*time.Second })
	proxy.setDown(false)

	h.waitReadyz(http.StatusOK, "ready")
	h.waitUntilLogged(`"msg":"database: writes work again"`, 5*time.Second)
	assert.Contains(t, h.logs.String(), `"msg":"database: writes work again","after":"`)
	// Within a minute, each kind of WARN or ERROR line is written once, however many rounds met it.
	perMessage := map[string]int{}
	for _, m := range regexp.MustCompile(`"level":"(?:WARN|ERROR)","msg":"([^"]*)","error":"([^"]*)"`).FindAllStringSubmatch(h.logs.String(), -1) {
		perMessage[m[1]+" / "+m[2]]++
	}
	require.NotEmpty(t, perMessage)
	for line, n := range perMessage {
		assert.Equal(t, 1, n, line)
	}
}
