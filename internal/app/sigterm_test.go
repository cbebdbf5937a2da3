package app_test

import (
	"flag"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery/appliverytest"
	"github.com/testerbot/testerbot/internal/testlog"
)

// TestSIGTERMFinishesInFlightInvitesAndExitsZero runs the real binary, as a container runtime
// would, and stops it with SIGTERM while an invite is waiting on Applivery: new commands are
// answered "restarting", the in-flight invite's result is still posted, and the exit status is 0.
func TestSIGTERMFinishesInFlightInvitesAndExitsZero(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the real binary; skipped with -short")
	}
	bin := buildBinary(t)
	h := newHarness(t, withEnv("SHUTDOWN_TIMEOUT", "10s"), withEnv("LOG_LEVEL", "info"))
	create := holdCreates(t, h.applivery) // Applivery is "slow": the create answers when released

	proc := startProcess(t, bin, h.env)
	require.NoError(t, h.slack.WaitConnected(opsContext(t, 15*time.Second)), "logs:\n%s", proc.logs)

	h.command(lead, iosChan, "inflight@example.com")
	create.waitArrived(t)

	require.NoError(t, proc.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, proc.logs.WaitFor(opsContext(t, 10*time.Second), "shutting down"))
	_, ack := h.command(lead, iosChan, "late@example.com")
	assert.Contains(t, ackText(ack), "restarting", "a command during the drain is turned away")

	create.release()
	reply := h.waitResultFor(iosChan, "inflight@example.com", 10*time.Second)
	assert.Contains(t, h.parentOf(reply).Text, "1 invited", "the in-flight invite's result is posted")

	select {
	case <-proc.done:
		require.NoError(t, proc.err, "exit status 0; logs:\n%s", proc.logs)
	case <-time.After(15 * time.Second):
		t.Fatalf("still running 15 s after SIGTERM; logs:\n%s", proc.logs)
	}
	users := h.applivery.OTPUsers(store)
	require.Len(t, users, 1, "the late command invited nobody")
	assert.Equal(t, "inflight@example.com", users[0].Email)
	assert.Contains(t, proc.logs.String(), "testerbot stopped")
}

// buildBinary returns the program TestMain built, failing the test when it could not be built.
func buildBinary(t *testing.T) string {
	t.Helper()
	require.NoError(t, binary.err, "go build:\n%s", binary.out)
	return binary.path
}

// build builds the program static, as CI's build step does (CGO_ENABLED=0, as in the
// Dockerfile, without its -trimpath and -ldflags, which change only paths and symbols), so that
// it reuses what that step compiled. It runs before any test: on a cold cache the build takes
// minutes, and the tests are timed against the fakes' pace on the same cores.
func (b *builtBinary) build() {
	dir, err := os.MkdirTemp("", "testerbot-e2e-")
	if err != nil {
		b.out, b.err = []byte(err.Error()), err
		return
	}
	b.dir, b.path = dir, filepath.Join(dir, "testerbot")
	build := exec.Command("go", "build", "-o", b.path, ".")
	build.Dir = "../.." // the module root, where main.go lives
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	b.out, b.err = build.CombinedOutput()
}

// binary is the program, built once for every test of the package that runs it (TestMain
// removes it).
var binary builtBinary

type builtBinary struct {
	dir, path string
	out       []byte
	err       error
}

func TestMain(m *testing.M) {
	flag.Parse()
	waitingTestsAtOnce()
	if !testing.Short() {
		binary.build()
	}
	code := m.Run()
	if binary.dir != "" {
		_ = os.RemoveAll(binary.dir)
	}
	os.Exit(code)
}

// e2eParallel is how many parallel tests of this package run at once, unless -parallel says. Go's
// default is one per CPU, but these tests mostly wait (on sockets, on Slack's and Applivery's
// pace in the fakes, on processes starting): at that default they keep 2 cores less than a fifth
// busy, and take about 125 s; 8 at once take 45–60 s.
const e2eParallel = 8

// waitingTestsAtOnce sets -parallel to e2eParallel when the command line did not set it.
func waitingTestsAtOnce() {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		_ = flag.Set("test.parallel", strconv.Itoa(e2eParallel))
	}
}

// process is the running binary.
type botProcess struct {
	cmd  *exec.Cmd
	logs *testlog.Buffer
	done chan struct{} // closed once the process has exited
	err  error         // how it exited (nil: status 0); read after done
}

// startProcess runs bin with exactly env (no inherited variables) and kills it if the test
// ends first.
func startProcess(t *testing.T, bin string, env map[string]string) *botProcess {
	t.Helper()
	p := &botProcess{cmd: exec.Command(bin), logs: &testlog.Buffer{}, done: make(chan struct{})}
	for k, v := range env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	require.NoError(t, p.cmd.Start())
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill() // a no-op once it has exited
		<-p.done
	})
	return p
}

// createGate holds every OTP user create at the fake Applivery until released, and says when
// the first one has arrived: an invite that is certainly in flight.
type createGate struct {
	arrived     chan struct{}
	arrivedOnce sync.Once
	open        chan struct{}
	openOnce    sync.Once
}

func holdCreates(t *testing.T, fake *appliverytest.Server) *createGate {
	g := &createGate{arrived: make(chan struct{}), open: make(chan struct{})}
	fake.Inject(func(r *http.Request) *appliverytest.Fault {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/otp-users") {
			return nil
		}
		g.arrivedOnce.Do(func() { close(g.arrived) })
		select {
		case <-g.open:
		case <-r.Context().Done():
		}
		return nil
	})
	t.Cleanup(g.release) // never leave a handler parked when the fake shuts down
	return g
}

func (g *createGate) waitArrived(t *testing.T) {
	t.Helper()
	select {
	case <-g.arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("no create reached Applivery")
	}
}

func (g *createGate) release() { g.openOnce.Do(func() { close(g.open) }) }

// TestSIGHUPReloadsTheMappingFile sends the real binary SIGHUP, as `kill -HUP` or an
// orchestrator would: the mapping file is read again at once, even unchanged.
func TestSIGHUPReloadsTheMappingFile(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the real binary; skipped with -short")
	}
	bin := buildBinary(t)
	h := newHarness(t, withEnv("LOG_LEVEL", "info"))
	proc := startProcess(t, bin, h.env)
	require.NoError(t, h.slack.WaitConnected(opsContext(t, 15*time.Second)), "logs:\n%s", proc.logs)

	require.NoError(t, proc.cmd.Process.Signal(syscall.SIGHUP))
	require.NoError(t, proc.logs.WaitFor(opsContext(t, 10*time.Second), "mapping file reloaded"), "logs:\n%s", proc.logs)
	require.NoError(t, proc.cmd.Process.Signal(syscall.SIGTERM))
	<-proc.done
	assert.NoError(t, proc.err, "SIGHUP did not stop it")
}
