package sqlite

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/k1s-dev/k1s/storage"
)

func init() {
	childModes["churn"] = childChurn
	childModes["opener"] = childOpener
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

// checkIntegrity runs PRAGMA integrity_check on s's file.
func checkIntegrity(t *testing.T, s *Store) {
	t.Helper()
	var ic string
	if err := s.wconn.QueryRowContext(t.Context(), "PRAGMA integrity_check").Scan(&ic); err != nil || ic != "ok" {
		t.Fatalf("integrity_check: %q, %v", ic, err)
	}
}

