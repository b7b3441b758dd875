package sqlite

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/k1s-dev/k1s/storage"
	"github.com/k1s-dev/k1s/storage/storagetest"
)

// TestMultiProcess has 8 processes increment one counter 200 times each
// through Update while a 9th watches it: no increment may be lost and the
// watcher must see every revision once, in order.
func TestMultiProcess(t *testing.T) {
	const writers, perWriter = 8, 200
	path := filepath.Join(t.TempDir(), "k1s.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	start, err := s.Create(t.Context(), counterKey, []byte("0"))
	if err != nil {
		t.Fatal(err)
	}
	if start != 1 {
		t.Fatalf("counter created at revision %d, want 1 (the watcher starts after revision 1)", start)
	}

	watcher := child(t, "watch", path, writers*perWriter)
	out, err := watcher.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := watcher.Start(); err != nil {
		t.Fatal(err)
	}
	var cmds []*exec.Cmd
	for range writers {
		c := child(t, "counter", path, perWriter)
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, c)
	}
	var lines []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Errorf("writer %d: %v", i, err)
		}
	}
	if err := watcher.Wait(); err != nil {
		t.Errorf("watcher: %v", err)
	}

	kv, err := s.Get(t.Context(), counterKey)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(kv.Value); got != strconv.Itoa(writers*perWriter) {
		t.Errorf("counter is %s, want %d", got, writers*perWriter)
	}
	if kv.Revision != 1+writers*perWriter {
		t.Errorf("counter revision %d, want %d: one revision per increment", kv.Revision, 1+writers*perWriter)
	}
	var want []string
	for i := 1; i <= writers*perWriter; i++ {
		want = append(want, fmt.Sprintf("%d %d", 1+i, i))
	}
	if d := cmp.Diff(want, lines); d != "" {
		t.Errorf("watcher saw (-want +got):\n%s", d)
	}
}

// TestCrash kills a writing process mid-stream: every write it
// acknowledged must survive, the file must pass integrity_check, and no
// transaction may be visible in part.
func TestCrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k1s.db")
	c := child(t, "crash", path, 0)
	out, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	acked := -1
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		n, err := strconv.Atoi(sc.Text())
		if err != nil {
			t.Fatalf("child printed %q", sc.Text())
		}
		acked = n
		if n == 300 {
			if err := c.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	_ = c.Wait() // killed: the exit status is the signal
	if acked < 300 {
		t.Fatalf("child stopped after %d pairs before being killed", acked)
	}

	s, err := Open(path)
	if err != nil {
		t.Fatalf("reopen after crash: %v", err)
	}
	defer func() { _ = s.Close() }()
	var ic string
	if err := s.wconn.QueryRowContext(t.Context(), "PRAGMA integrity_check").Scan(&ic); err != nil || ic != "ok" {
		t.Fatalf("integrity_check: %q, %v", ic, err)
	}
	res, err := s.List(t.Context(), storage.TenantPrefix("crash"), storage.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	present := map[string]storage.KeyValue{}
	for _, kv := range res.Items {
		present[kv.Key] = kv
	}
	for i := 0; i <= acked; i++ {
		for _, half := range []string{"a", "b"} {
			kv, ok := present[crashKey(i, half)]
			if !ok {
				t.Fatalf("acknowledged key %s lost", crashKey(i, half))
			}
			if string(kv.Value) != string(storagetest.Value(i)) {
				t.Fatalf("key %s holds other bytes than were written", kv.Key)
			}
		}
	}
	// Pairs past the last acknowledgement are whole or absent.
	if len(present)%2 != 0 {
		t.Fatalf("%d keys present: a transaction is visible in part", len(present))
	}
	for i := acked + 1; i <= acked+len(present)/2; i++ {
		_, a := present[crashKey(i, "a")]
		_, b := present[crashKey(i, "b")]
		if a != b {
			t.Fatalf("pair %d is half written (a %v, b %v)", i, a, b)
		}
	}
	// The log agrees with the current state: every key's row is there
	// and holds a value, and the revision counts one per transaction.
	var mismatched int
	if err := s.wconn.QueryRowContext(t.Context(),
		`SELECT count(*) FROM kv LEFT JOIN log ON log.id = kv.mod_id WHERE log.key IS NOT kv.key OR log.value IS NULL`).Scan(&mismatched); err != nil {
		t.Fatal(err)
	}
	if mismatched != 0 {
		t.Fatalf("%d keys disagree with their log row", mismatched)
	}
	rev, err := s.CurrentRevision(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if rev != int64(len(present)/2) {
		t.Fatalf("revision %d after %d pairs", rev, len(present)/2)
	}
}

// TestCrossStoreWatch watches through one Store while another Store on
// the same file writes: the path a second process takes, without fsnotify
// knowing which connection wrote.
func TestCrossStoreWatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k1s.db")
	a, err := Open(path, PollInterval(5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = a.Close() }()
	b, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = b.Close() }()
	w, err := a.Watch(t.Context(), "/x/", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	var want []string
	for i := range 50 {
		k := fmt.Sprintf("/x/k%02d", i)
		if _, err := b.Create(t.Context(), k, []byte("v")); err != nil {
			t.Fatal(err)
		}
		want = append(want, k)
	}
	var got []string
	for len(got) < len(want) {
		select {
		case ev := <-w.ResultChan():
			got = append(got, ev.Key)
		case <-time.After(10 * time.Second):
			t.Fatalf("got %d of %d events", len(got), len(want))
		}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("events (-want +got):\n%s", d)
	}
}

// BenchmarkCrossProcessWatchLatency measures the time from a write in one
// process to its event in another, reported as p50 and p99.
func BenchmarkCrossProcessWatchLatency(b *testing.B) {
	path := filepath.Join(b.TempDir(), "k1s.db")
	s, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	w, err := s.Watch(context.Background(), "/", 0)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Stop()
	c := child(b, "stamp", path, b.N)
	b.ResetTimer()
	if err := c.Start(); err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, 0, b.N)
	for range b.N {
		select {
		case ev := <-w.ResultChan():
			at, err := strconv.ParseInt(string(ev.Value), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(time.Unix(0, at)))
		case <-time.After(time.Minute):
			b.Fatal("no event within a minute")
		}
	}
	b.StopTimer()
	if err := c.Wait(); err != nil {
		b.Fatal(err)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
