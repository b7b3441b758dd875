package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/k1s-dev/k1s/storage"
)

func init() {
	childMains["fulldisk"] = childFullDisk
	childMains["fsizelimit"] = childFileSizeLimit
	childMains["openonce"] = childOpenOnce
}

// fillUntilFull creates 4 KB objects in s until a write fails, and
// returns the keys written and that failure.
func fillUntilFull(s *Store, limit int) ([]string, error) {
	var keys []string
	for i := range limit {
		k := fmt.Sprintf("/full/g/r/ns/%06d", i)
		if _, err := s.Create(context.Background(), k, churnValue[:4096]); err != nil {
			return keys, err
		}
		keys = append(keys, k)
	}
	return keys, fmt.Errorf("%d writes of 4 KB never filled the disk", limit)
}

// checkStore opens the store at path as a new command would, reads every
// key back, writes, lists, and runs integrity_check.
func checkStore(path string, keys []string) error {
	ctx := context.Background()
	s, err := Open(path)
	if err != nil {
		return err
	}
	defer func() { _ = s.Close() }()
	for _, k := range keys {
		if _, err := s.Get(ctx, k); err != nil {
			return fmt.Errorf("acknowledged %s: %w", k, err)
		}
	}
	if _, err := s.Create(ctx, "/full/g/r/ns/after", []byte("x")); err != nil {
		return err
	}
	res, err := s.List(ctx, "/full/", storage.ListOptions{})
	if err != nil {
		return err
	}
	if len(res.Items) != len(keys)+1 {
		return fmt.Errorf("List: %d items, want %d", len(res.Items), len(keys)+1)
	}
	var ic string
	if err := s.wconn.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&ic); err != nil {
		return err
	}
	if ic != "ok" {
		return fmt.Errorf("integrity_check: %q", ic)
	}
	return nil
}

// childFullDisk runs in its own user and mount namespaces (see
// TestFullDisk): it mounts a 2 MiB tmpfs on the directory of path, fills
// most of it with another file, then writes to the store until the disk
// is full. It prints "skip REASON" when it may not mount, "full ERROR"
// with the write's error, "read ERROR-OR-ok" for a read by a new store
// while the disk is full, and returns an error if the store does not
// work once the other file is removed.
func childFullDisk(path string, _ int) error {
	dir := filepath.Dir(path)
	// Private, so that nothing mounted here propagates anywhere.
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		fmt.Println("skip making / private in a mount namespace:", err)
		return nil
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=2m,mode=0700"); err != nil {
		fmt.Println("skip mounting a tmpfs in a mount namespace:", err)
		return nil
	}
	filler := filepath.Join(dir, "filler")
	if err := os.WriteFile(filler, make([]byte, 1<<20), 0o600); err != nil {
		return err
	}
	s, err := Open(path)
	if err != nil {
		return err
	}
	keys, full := fillUntilFull(s, 1000)
	fmt.Println("full", full)
	// A read command while the disk is full.
	r, err := Open(path)
	if err == nil {
		_, err = r.Get(context.Background(), keys[0])
		_ = r.Close()
	}
	fmt.Println("read", err)
	if err := os.Remove(filler); err != nil {
		return err
	}
	if _, err := s.Create(context.Background(), "/full/g/r/ns/freed", []byte("x")); err != nil {
		return fmt.Errorf("write once space is back, same store: %w", err)
	}
	if err := s.Close(); err != nil {
		return err
	}
	return checkStore(path, append(keys, "/full/g/r/ns/freed"))
}

// childFileSizeLimit sets its own RLIMIT_FSIZE (ulimit -f) to arg bytes
// and writes to a new store until a write fails, printing "full ERROR"
// and then "ok KEY" for every key written.
func childFileSizeLimit(path string, limit int) error {
	// Past the limit, the kernel sends SIGXFSZ, which kills by default;
	// ignored, the write fails with EFBIG.
	signal.Ignore(syscall.SIGXFSZ)
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: uint64(limit), Max: uint64(limit)}); err != nil {
		return err
	}
	s, err := Open(path)
	if err != nil {
		return err
	}
	keys, full := fillUntilFull(s, 10000)
	fmt.Println("full", full)
	for _, k := range keys {
		fmt.Println("ok", k)
	}
	return nil
}

// childOpenOnce opens the store at path and prints the error, or "ok".
func childOpenOnce(path string, _ int) error {
	s, err := Open(path)
	if err == nil {
		err = s.Close()
	}
	fmt.Println(err)
	return nil
}

// output runs cmd and returns its stdout lines, failing the test if it
// fails.
func output(t *testing.T, cmd *exec.Cmd) []string {
	t.Helper()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// TestFullDisk fills a real disk: a 2 MiB tmpfs, mounted by a child
// process in user and mount namespaces of its own, so that it needs no
// privileges where the kernel lets unprivileged users create those
// (Linux with user namespaces enabled; the test skips, saying why, where
// it may not). The write that finds the disk full must say so and name
// the file; a read command meanwhile works; and once space is freed,
// the same store and a newly opened one read everything back and write.
func TestFullDisk(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mnt", "k1s.db")
	if err := os.Mkdir(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := child(t, "fulldisk", path, 0)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:                 syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS,
		UidMappings:                []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}},
		GidMappings:                []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}},
		GidMappingsEnableSetgroups: false,
	}
	out, err := cmd.Output()
	if err != nil && len(out) == 0 {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Skipf("cannot start a process in new user and mount namespaces: %v", err)
		}
	}
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if reason, ok := strings.CutPrefix(lines[0], "skip "); ok {
		t.Skip(reason)
	}
	if len(lines) != 2 {
		t.Fatalf("child printed %q", lines)
	}
	for _, want := range []string{"the disk is full: SQLite could not write " + path, "free space in " + filepath.Dir(path)} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("the write on a full disk failed with %q, which does not say %q", lines[0], want)
		}
	}
	if lines[1] != "read <nil>" {
		t.Errorf("a read while the disk is full: %s", lines[1])
	}
}

// TestFileSizeLimit writes from a process whose files may not grow past
// 256 KiB (RLIMIT_FSIZE, which any user may lower, so this runs
// everywhere): the write that meets the limit says so, and a process
// without the limit then opens the store, finds every acknowledged
// write, and writes.
func TestFileSizeLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k1s.db")
	lines := output(t, child(t, "fsizelimit", path, 256<<10))
	full, ok := strings.CutPrefix(lines[0], "full ")
	if !ok {
		t.Fatalf("child printed %q", lines[0])
	}
	for _, want := range []string{"ulimit -f", "262144 bytes", path} {
		if !strings.Contains(full, want) {
			t.Errorf("the write past the file size limit failed with %q, which does not say %q", full, want)
		}
	}
	var keys []string
	for _, l := range lines[1:] {
		keys = append(keys, strings.TrimPrefix(l, "ok "))
	}
	if len(keys) == 0 {
		t.Fatal("no write succeeded under the limit")
	}
	if err := checkStore(path, keys); err != nil {
		t.Fatal(err)
	}
}

// unprivileged makes cmd run as a user that permission bits apply to:
// itself unless it is root, else nobody, from a copy of the test binary
// that nobody may run, with dir (the test's directory) handed to nobody.
func unprivileged(t *testing.T, cmd *exec.Cmd, dir string) {
	t.Helper()
	if os.Geteuid() != 0 {
		return
	}
	const nobody = 65534
	bin := filepath.Join(t.TempDir(), "sqlite.test")
	src, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = src.Close() }()
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{filepath.Dir(bin), filepath.Dir(filepath.Dir(bin)), filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Chown(p, nobody, nobody)
	}); err != nil {
		t.Fatal(err)
	}
	cmd.Path, cmd.Args[0] = bin, bin
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
}

// TestReadOnlyDirectory opens a store whose directory may not be written:
// SQLite must create the -wal and -shm files beside the file even to
// read, so the open fails, and the error must blame the directory, not
// the file, and leave the file as it was.
func TestReadOnlyDirectory(t *testing.T) {
	path := storeFile(t, 3)
	dir := filepath.Dir(path)
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cmd := child(t, "openonce", path, 0)
	unprivileged(t, cmd, dir)
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })
	got := output(t, cmd)[0]
	for _, want := range []string{"directory " + dir + " is read-only", "k1s.db-wal", "make the directory writable"} {
		if !strings.Contains(got, want) {
			t.Errorf("open in a read-only directory: %q, which does not say %q", got, want)
		}
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Error("the refused open changed the file")
	}
}

// TestDeletedWAL removes the WAL while another process has the store open
// with changes in it: a new open cannot see those changes, and must say
// what happened and what to do rather than "disk I/O error"; once that
// process has closed the store (writing its changes into the file),
// everything opens and reads again.
func TestDeletedWAL(t *testing.T) {
	path := storeFile(t, 3)
	const key = "/t/g/r/ns/o00001"
	a := startSession(t, "session", path)
	rev, _, _ := strings.Cut(a.do("get "+key), " ")
	a.do(fmt.Sprintf("update %s %s changed", key, rev))
	if err := os.Remove(path + "-wal"); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path)
	if err == nil {
		t.Fatal("Open succeeded with the WAL deleted under another process")
	}
	for _, want := range []string{path + "-wal was deleted", "stop them", "then the store opens again"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Open with the WAL deleted: %q, which does not say %q", err, want)
		}
	}
	a.close()
	s := openTestAt(t, path)
	kv, err := s.Get(t.Context(), key)
	if err != nil || string(kv.Value) != "changed" {
		t.Fatalf("after the other process closed: %q, %v; want its change", kv.Value, err)
	}
	checkIntegrity(t, s)
}

// TestWatchFileRemovedOrReplaced removes the store's file under a watcher,
// and moves another file over it, after the watcher received a first
// event: it must end with an Error naming the file and saying what
// happened, and a new Watch must fail the same way.
func TestWatchFileRemovedOrReplaced(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		do         func(path string) error
	}{
		{"removed", "was removed", os.Remove},
		{"replaced", "was replaced", func(path string) error {
			other := path + ".new"
			if err := os.WriteFile(other, nil, 0o600); err != nil {
				return err
			}
			return os.Rename(other, path)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t, PollInterval(5*time.Millisecond))
			w, err := s.Watch(t.Context(), "/w/", 0)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Stop()
			if _, err := s.Create(t.Context(), "/w/before", []byte("x")); err != nil {
				t.Fatal(err)
			}
			events := []storage.Event{<-w.ResultChan()}
			if err := tc.do(s.Path()); err != nil {
				t.Fatal(err)
			}
			timeout := time.After(20 * time.Second)
			for done := false; !done; {
				select {
				case ev, ok := <-w.ResultChan():
					if !ok {
						done = true
						break
					}
					events = append(events, ev)
				case <-timeout:
					t.Fatalf("the watcher did not end within 20 s; events: %v", events)
				}
			}
			if len(events) != 2 || events[0].Key != "/w/before" || events[1].Type != storage.Error {
				t.Fatalf("events %v, want the creation then an Error", events)
			}
			for _, err := range []error{events[1].Err, func() error { _, err := s.Watch(t.Context(), "/w/", 0); return err }()} {
				if !apierrors.IsServiceUnavailable(err) || !strings.Contains(err.Error(), s.Path()) || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("got %v, want a 503 naming %s and saying it %s", err, s.Path(), tc.want)
				}
			}
		})
	}
}
