// Package tmpfs mounts a small tmpfs for tests that need a file system to fill up or to turn
// read-only: a full disk cannot be faked any other way. Mounting needs root (CAP_SYS_ADMIN);
// where it fails the test is skipped, saying why.
package tmpfs

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Mount mounts a tmpfs of sizeKB kilobytes in a new directory of the test's and returns the
// directory; it is unmounted when the test ends.
func Mount(t testing.TB, sizeKB int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tmpfs")
	if err := run("mkdir", dir); err != nil {
		t.Fatal(err)
	}
	if err := run("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%dk,mode=0700", sizeKB), "tmpfs", dir); err != nil {
		t.Skipf("cannot mount a tmpfs here (needs root): %v", err)
	}
	t.Cleanup(func() { _ = run("umount", "-l", dir) })
	return dir
}

// ReadOnly remounts the tmpfs at dir read-only. The kernel refuses while a file in it is open
// for writing, so it tries again for up to 5 s: a database closed just before may still have a
// connection that its last user has not handed back, and the kernel gives no signal to wait on.
func ReadOnly(t testing.TB, dir string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := run("mount", "-o", "remount,ro", dir)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Fill writes a file into dir until the file system is full.
func Fill(t testing.TB, dir string) {
	t.Helper()
	// dd stops at ENOSPC and says so; that is its success here.
	out, _ := exec.Command("dd", "if=/dev/zero", "of="+filepath.Join(dir, "filler"), "bs=4k").CombinedOutput()
	if !strings.Contains(string(out), "No space left") {
		t.Fatalf("could not fill %s: %s", dir, out)
	}
}

func run(name string, args ...string) error {
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
