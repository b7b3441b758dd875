package sqlite

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/k1s-dev/k1s/storage"
)

// session is a long-lived child process that runs one command per line
// of its stdin and answers each with one line, "ok ..." or "err ...".
type session struct {
	t   testing.TB
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
	// closed makes close idempotent: a test may close before cleanup.
	closed sync.Once
}

// startSession starts mode, which must serve commands with serveSession.
func startSession(t testing.TB, mode, path string) *session {
	t.Helper()
	cmd := child(t, mode, path, 0)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &session{t: t, cmd: cmd, in: in, out: bufio.NewScanner(out)}
	t.Cleanup(s.close)
	return s
}

// do sends one command and returns the answer after "ok", or fails the
// test with the child's error.
func (s *session) do(command string) string {
	s.t.Helper()
	ans, err := s.try(command)
	if err != nil {
		s.t.Fatalf("child %q: %v", command, err)
	}
	return ans
}

// try sends one command and returns its answer or its error.
func (s *session) try(command string) (string, error) {
	s.t.Helper()
	if _, err := fmt.Fprintln(s.in, command); err != nil {
		s.t.Fatalf("child %q: %v", command, err)
	}
	if !s.out.Scan() {
		s.t.Fatalf("child %q: no answer (%v)", command, s.out.Err())
	}
	line := s.out.Text()
	if rest, ok := strings.CutPrefix(line, "ok"); ok {
		return strings.TrimSpace(rest), nil
	}
	return "", fmt.Errorf("%s", strings.TrimPrefix(line, "err "))
}

func (s *session) close() {
	s.closed.Do(func() {
		_ = s.in.Close()
		if err := s.cmd.Wait(); err != nil {
			s.t.Errorf("session child: %v", err)
		}
	})
}

// serveSession runs handle on each line of stdin and prints its answer.
func serveSession(handle func(args []string) (string, error)) error {
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		ans, err := handle(strings.Fields(sc.Text()))
		if err != nil {
			ans = "err " + strings.ReplaceAll(err.Error(), "\n", " ")
		} else {
			ans = "ok " + ans
		}
		if _, err := fmt.Println(ans); err != nil {
			return err
		}
	}
	return sc.Err()
}

// childSession serves get, update and delete of keys, each conditional on
// the revision the caller names as a reconciler's would be:
//
//	get KEY            -> ok REVISION VALUE
//	update KEY REV VAL -> ok REVISION (Conflict unless KEY is at REV)
//	delete KEY REV     -> ok REVISION (Conflict unless KEY is at REV)
func childSession(s *Store, _ int) error {
	ctx := context.Background()
	return serveSession(func(args []string) (string, error) {
		if len(args) < 2 {
			return "", fmt.Errorf("bad command %q", args)
		}
		key := args[1]
		var want int64
		if len(args) > 2 {
			want, _ = strconv.ParseInt(args[2], 10, 64)
		}
		check := func(cur storage.KeyValue) error {
			if cur.Revision != want {
				return storage.NewConflict(key, want, cur.Revision)
			}
			return nil
		}
		switch args[0] {
		case "get":
			kv, err := s.Get(ctx, key)
			return fmt.Sprintf("%d %s", kv.Revision, kv.Value), err
		case "update":
			kv, err := s.Update(ctx, key, func(cur storage.KeyValue) ([]byte, error) {
				return []byte(args[3]), check(cur)
			})
			return strconv.FormatInt(kv.Revision, 10), err
		case "delete":
			kv, err := s.Delete(ctx, key, check)
			return strconv.FormatInt(kv.Revision, 10), err
		}
		return "", fmt.Errorf("unknown command %q", args[0])
	})
}

// TestLongLivedProcessSeesOtherWrites is issue 15's reconciler: process A
// keeps the store open, reads a key and writes it conditionally on the
// revision it read; this process (B) writes the key in between, every
// time. A's next read shows B's revision, and A's write conditional on
// that revision must succeed: a state A remembers from before B's write
// must never make it fail.
func TestLongLivedProcessSeesOtherWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k1s.db")
	b := openTestAt(t, path)
	ctx := t.Context()
	const key = "/t/g/r/ns/obj"
	if _, err := b.Create(ctx, key, []byte("b0")); err != nil {
		t.Fatal(err)
	}
	a := startSession(t, "session", path)
	for round := range 3 {
		rev, _, _ := strings.Cut(a.do("get "+key), " ")
		a.do(fmt.Sprintf("update %s %s a%d", key, rev, round))
		brev, err := b.Update(ctx, key, func(storage.KeyValue) ([]byte, error) { return fmt.Appendf(nil, "b%d", round), nil })
		if err != nil {
			t.Fatal(err)
		}
		got := a.do("get " + key)
		if want := fmt.Sprintf("%d b%d", brev.Revision, round); got != want {
			t.Fatalf("round %d: A read %q after B's write, want %q", round, got, want)
		}
		if _, err := a.try(fmt.Sprintf("update %s %d a%d", key, brev.Revision, round)); err != nil {
			t.Fatalf("round %d: A's update at the revision it just read: %v", round, err)
		}
	}
	// Delete with a precondition, after B wrote behind A's back.
	rev, _, _ := strings.Cut(a.do("get "+key), " ")
	a.do(fmt.Sprintf("update %s %s a", key, rev))
	brev, err := b.Update(ctx, key, func(storage.KeyValue) ([]byte, error) { return []byte("b"), nil })
	if err != nil {
		t.Fatal(err)
	}
	a.do("get " + key)
	if _, err := a.try(fmt.Sprintf("delete %s %d", key, brev.Revision)); err != nil {
		t.Fatalf("A's delete at the revision it just read: %v", err)
	}
	if _, err := b.Get(ctx, key); err == nil {
		t.Fatalf("%s still exists after A deleted it", key)
	}
}
