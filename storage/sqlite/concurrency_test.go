package sqlite

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/k1s-dev/k1s/storage"
)

func init() {
	childModes["churn"] = childChurn
	childModes["opener"] = childOpener
	childModes["bigwriter"] = childBigWriter
	childModes["newfiles"] = childNewFiles
}

// childNewFiles opens n new stores, path.0 to path.n-1, each for one
// write and one read, as a one-shot command would; children started
// together create each file's schema at the same time. It prints "fail
// ERROR" for each failure and exits 0.
func childNewFiles(_ *Store, n int) error {
	ctx := context.Background()
	for i := range n {
		err := func() error {
			s, err := Open(fmt.Sprintf("%s.%d", os.Getenv(envPath), i), childOptions()...)
			if err != nil {
				return err
			}
			defer func() { _ = s.Close() }()
			if _, err := s.Create(ctx, fmt.Sprintf("/new/g/r/ns/%d", os.Getpid()), []byte("x")); err != nil {
				return err
			}
			_, err = s.Count(ctx, "/new/")
			return err
		}()
		if err != nil {
			if _, err := fmt.Println("fail", strings.ReplaceAll(err.Error(), "\n", " ")); err != nil {
				return err
			}
		}
	}
	return nil
}

// churnValue is what churn children write: large enough that every
// checkpoint copies several pages and grows the file.
var churnValue = []byte(strings.Repeat("c", 16<<10))

// childChurn creates n keys of 16 KiB and updates one of its earlier keys
// after every fourth; the file grows all the time, and with a small
// wal_autocheckpoint nearly every commit checkpoints.
func childChurn(s *Store, n int) error {
	ctx := context.Background()
	pid := os.Getpid()
	for i := range n {
		if _, err := s.Create(ctx, fmt.Sprintf("/churn/g/r/ns/%d-%05d", pid, i), churnValue); err != nil {
			return err
		}
		if i%4 == 3 {
			k := fmt.Sprintf("/churn/g/r/ns/%d-%05d", pid, i/2)
			if _, err := s.Update(ctx, k, func(storage.KeyValue) ([]byte, error) { return churnValue[:i], nil }); err != nil {
				return err
			}
		}
	}
	return nil
}

// childOpener opens the store n times, as n one-shot commands would, and
// each time reads counterKey and creates a key of its own. It does not
// stop at a failure: it prints "fail ERROR" for each, "ok KEY" for each
// key created, and exits 0.
func childOpener(_ *Store, n int) error {
	ctx := context.Background()
	path := os.Getenv(envPath)
	out := bufio.NewWriter(os.Stdout)
	defer func() { _ = out.Flush() }()
	for i := range n {
		key := fmt.Sprintf("/open/g/r/ns/%d-%05d", os.Getpid(), i)
		err := func() error {
			s, err := Open(path, childOptions()...)
			if err != nil {
				return err
			}
			defer func() { _ = s.Close() }()
			if _, err := s.Get(ctx, counterKey); err != nil {
				return err
			}
			if _, err := s.Create(ctx, key, churnValue[:4096]); err != nil {
				return err
			}
			_, err = fmt.Fprintln(out, "ok", key)
			return err
		}()
		if err != nil {
			if _, err := fmt.Fprintln(out, "fail", strings.ReplaceAll(err.Error(), "\n", " ")); err != nil {
				return err
			}
		}
	}
	return nil
}

// runChildren runs, at once on path, count children of each mode with
// the argument given, and returns the lines they printed.
func runChildren(t *testing.T, path string, env []string, modes map[string][2]int) []string {
	t.Helper()
	type proc struct {
		cmd   *exec.Cmd
		lines chan []string
	}
	var procs []proc
	for mode, na := range modes {
		for range na[0] {
			c := child(t, mode, path, na[1])
			c.Env = append(c.Env, env...)
			out, err := c.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
			p := proc{cmd: c, lines: make(chan []string, 1)}
			go func() {
				var lines []string
				sc := bufio.NewScanner(out)
				for sc.Scan() {
					lines = append(lines, sc.Text())
				}
				p.lines <- lines
			}()
			procs = append(procs, p)
		}
	}
	var lines []string
	for _, p := range procs {
		lines = append(lines, <-p.lines...)
		if err := p.cmd.Wait(); err != nil {
			t.Errorf("%s: %v", p.cmd.Env[len(p.cmd.Env)-1], err)
		}
	}
	return lines
}

// TestOpenWhileOthersCheckpoint is issue 17's race: processes open the
// store over and over, each time reading and writing, while others write
// large values with a checkpoint after nearly every commit (the file
// grows at every checkpoint). A healthy store must never be refused, and
// no open, read or write may fail.
func TestOpenWhileOthersCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k1s.db")
	s := openTestAt(t, path)
	if _, err := s.Create(t.Context(), counterKey, []byte("0")); err != nil {
		t.Fatal(err)
	}
	lines := runChildren(t, path, []string{envCheckpoint + "=4"}, map[string][2]int{
		"churn":  {2, 300},
		"opener": {4, 60},
	})
	var failed, created []string
	for _, l := range lines {
		if f, ok := strings.CutPrefix(l, "fail "); ok {
			failed = append(failed, f)
		} else if k, ok := strings.CutPrefix(l, "ok "); ok {
			created = append(created, k)
		}
	}
	if len(failed) > 0 {
		t.Errorf("%d of %d opens failed; first: %s", len(failed), len(failed)+len(created), failed[0])
	}
	for _, k := range created {
		if _, err := s.Get(t.Context(), k); err != nil {
			t.Errorf("acknowledged key %s: %v", k, err)
		}
	}
	checkIntegrity(t, s)
}

// TestConcurrentNewStores has 6 processes create the same 40 new stores
// at once: one creates each file's schema while the others wait for it,
// and none may fail.
func TestConcurrentNewStores(t *testing.T) {
	base := filepath.Join(t.TempDir(), "k1s.db")
	const procs, files = 6, 40
	lines := runChildren(t, base, nil, map[string][2]int{"newfiles": {procs, files}})
	if len(lines) > 0 {
		t.Errorf("%d of %d opens failed; first: %s", len(lines), procs*files, lines[0])
	}
	for i := range files {
		s := openTestAt(t, fmt.Sprintf("%s.%d", base, i))
		if n, err := s.Count(t.Context(), "/new/"); err != nil || n != procs {
			t.Errorf("store %d holds %d keys (%v), want %d", i, n, err, procs)
		}
	}
}

// checkIntegrity runs PRAGMA integrity_check on s's file.
func checkIntegrity(t *testing.T, s *Store) {
	t.Helper()
	var ic string
	if err := s.wconn.QueryRowContext(t.Context(), "PRAGMA integrity_check").Scan(&ic); err != nil || ic != "ok" {
		t.Fatalf("integrity_check: %q, %v", ic, err)
	}
}

// noAutoCheckpoint keeps everything in the WAL until the store closes.
func noAutoCheckpoint(c *config) { c.walAutocheckpoint = -1 }

// copyFile copies src to dst, or fails the test.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// headerPages returns the page count and page size the header of the
// database file at path states.
func headerPages(t *testing.T, path string) (pages, pageSize int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 100 {
		t.Fatalf("reading the header of %s: %v", path, err)
	}
	return int64(binary.BigEndian.Uint32(b[28:32])), int64(binary.BigEndian.Uint16(b[16:18]))
}

// TestOpenAfterInterruptedCheckpoint builds, deterministically, the file a
// checkpoint leaves when it is killed (or the disk fills) after writing
// page 1 and before the pages that grow the file: page 1 from the WAL,
// with the new page count, over a file that is still short, and the WAL
// holding every page. That file is healthy: SQLite reads the pages from
// the WAL, and the next checkpoint completes the copy. It must open, read
// back everything and take writes.
func TestOpenAfterInterruptedCheckpoint(t *testing.T) {
	path := storeFile(t, 10)
	s, err := Open(path, noAutoCheckpoint)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for i := range 200 {
		k := fmt.Sprintf("/t/g/r/ns/wal%05d", i)
		if _, err := s.Create(t.Context(), k, churnValue[:4000]); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	// What a crash at this point leaves on disk: the file and its WAL.
	crashed := filepath.Join(t.TempDir(), "k1s.db")
	copyFile(t, path, crashed)
	copyFile(t, path+"-wal", crashed+"-wal")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// The checkpoint's first write: the WAL's latest page 1 at offset 0.
	wal, err := os.ReadFile(crashed + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	pageSize := int(binary.BigEndian.Uint32(wal[8:12]))
	var page1 []byte
	for off := 32; off+24+pageSize <= len(wal); off += 24 + pageSize {
		if binary.BigEndian.Uint32(wal[off:off+4]) == 1 {
			page1 = wal[off+24 : off+24+pageSize]
		}
	}
	if page1 == nil {
		t.Fatal("no page 1 in the WAL")
	}
	f, err := os.OpenFile(crashed, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(page1, 0); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(crashed)
	if err != nil {
		t.Fatal(err)
	}
	if pages, size := headerPages(t, crashed); pages*size <= fi.Size() {
		t.Fatalf("setup: header says %d pages of %d bytes, file is %d bytes; want a header ahead of the file", pages, size, fi.Size())
	}

	c := openTestAt(t, crashed)
	for _, k := range keys {
		if _, err := c.Get(t.Context(), k); err != nil {
			t.Fatalf("Get %s: %v", k, err)
		}
	}
	if _, err := c.Create(t.Context(), "/t/g/r/ns/after", []byte("x")); err != nil {
		t.Fatal(err)
	}
	checkIntegrity(t, c)
}

// bigKey and bigValue are what bigwriter children write: 64 KiB values, so
// that with wal_autocheckpoint=64 a checkpoint runs every few writes and
// copies hundreds of KiB.
func bigKey(i int) string { return fmt.Sprintf("/big/g/r/ns/%07d", i) }

func bigValue(i int) []byte {
	v := bytes.Repeat([]byte{byte(i)}, 64<<10)
	copy(v, strconv.Itoa(i))
	return v
}

// childBigWriter creates bigKey(i) for i from first on, printing i once
// each create returned, until it is killed.
func childBigWriter(s *Store, first int) error {
	for i := first; ; i++ {
		if _, err := s.Create(context.Background(), bigKey(i), bigValue(i)); err != nil {
			return err
		}
		if _, err := fmt.Println(i); err != nil {
			return err
		}
	}
}

// headerAhead reports whether the database file at path is shorter than
// its header says: what a checkpoint leaves between writing page 1 and
// writing the pages that grow the file.
func headerAhead(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer func() { _ = f.Close() }()
	var h [100]byte
	if n, _ := f.ReadAt(h[:], 0); n < len(h) {
		return false
	}
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	pages, size := int64(binary.BigEndian.Uint32(h[28:32])), int64(binary.BigEndian.Uint16(h[16:18]))
	return pages*size > fi.Size()
}

// TestKillDuringCheckpoints kills, 30 times, a process that writes 64 KiB
// values with wal_autocheckpoint=256, so that every 16 writes a
// checkpoint copies about 1 MB: as soon
// as this process sees a checkpoint under way (the file shorter than
// its header says), or else after a random number of writes. After every
// kill the store must open, hold every write that was acknowledged, and
// take a new one. Between rounds the file is emptied and vacuumed, so
// that every round's checkpoints grow it again.
func TestKillDuringCheckpoints(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k1s.db")
	rng := rand.New(rand.NewPCG(3, 4))
	inCheckpoint, aheadAfter := 0, 0
	for round := range 30 {
		c := child(t, "bigwriter", path, round*10000)
		c.Env = append(c.Env, envCheckpoint+"=256")
		out, err := c.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		acks := make(chan int)
		go func() {
			defer close(acks)
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				i, err := strconv.Atoi(sc.Text())
				if err != nil {
					panic(fmt.Sprintf("child printed %q", sc.Text()))
				}
				acks <- i
			}
		}()
		var acked []int
		for limit := 10 + rng.IntN(30); len(acked) < limit; {
			if headerAhead(path) {
				inCheckpoint++
				break
			}
			select {
			case i, ok := <-acks:
				if !ok {
					t.Fatalf("round %d: the writer stopped", round)
				}
				acked = append(acked, i)
			case <-time.After(50 * time.Microsecond):
			}
		}
		if err := c.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		for i := range acks {
			acked = append(acked, i)
		}
		_ = c.Wait() // killed: the exit status is the signal
		if headerAhead(path) {
			aheadAfter++
		}

		s, err := Open(path)
		if err != nil {
			t.Fatalf("round %d: open after the kill: %v", round, err)
		}
		for _, i := range acked {
			kv, err := s.Get(t.Context(), bigKey(i))
			if err != nil {
				t.Fatalf("round %d: acknowledged %s: %v", round, bigKey(i), err)
			}
			if !bytes.Equal(kv.Value, bigValue(i)) {
				t.Fatalf("round %d: %s holds other bytes than were written", round, bigKey(i))
			}
		}
		rev, err := s.Create(t.Context(), fmt.Sprintf("/after/g/r/ns/%d", round), []byte("x"))
		if err != nil {
			t.Fatalf("round %d: write after the kill: %v", round, err)
		}
		checkIntegrity(t, s)
		res, err := s.List(t.Context(), "/big/", storage.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var ops []storage.Op
		for _, kv := range res.Items {
			ops = append(ops, storage.Op{Type: storage.OpDelete, Key: kv.Key})
		}
		if len(ops) > 0 {
			if rev, err = s.Txn(t.Context(), ops); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Compact(t.Context(), rev); err != nil {
			t.Fatal(err)
		}
		if _, err := s.wconn.ExecContext(t.Context(), "VACUUM"); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d of 30 kills were sent while a checkpoint was under way; %d left the file shorter than its header says", inCheckpoint, aheadAfter)
}
