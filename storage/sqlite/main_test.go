package sqlite

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/k1s-dev/k1s/storage"
	"github.com/k1s-dev/k1s/storage/storagetest"
)

// Child processes are this test binary started again with envChild naming
// what to do; they report on stdout, one line per fact.
const (
	envChild = "K1S_SQLITE_CHILD"
	envPath  = "K1S_SQLITE_PATH"
	envArg   = "K1S_SQLITE_ARG"
	// envCheckpoint, when set, is the children's wal_autocheckpoint.
	envCheckpoint = "K1S_SQLITE_CHECKPOINT"
)

// childOptions are the options children open the store with.
func childOptions() []Option {
	var opts []Option
	if n, err := strconv.Atoi(os.Getenv(envCheckpoint)); err == nil {
		opts = append(opts, func(c *config) { c.walAutocheckpoint = n })
	}
	return opts
}

var childModes = map[string]func(s *Store, arg int) error{
	"counter": childCounter,
	"watch":   childWatch,
	"crash":   childCrash,
	"stamp":   childStamp,
	"session": childSession,
}

// childMains are child modes that open the store themselves (the external
// test package's, which drive it through core); see RegisterChild.
var childMains = map[string]func(path string, arg int) error{}

func TestMain(m *testing.M) {
	if mode := os.Getenv(envChild); mode != "" {
		os.Exit(runChild(mode))
	}
	os.Exit(m.Run())
}

func runChild(mode string) int {
	arg, _ := strconv.Atoi(os.Getenv(envArg))
	if main, ok := childMains[mode]; ok {
		if err := main(os.Getenv(envPath), arg); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	}
	s, err := Open(os.Getenv(envPath), childOptions()...)
	if err == nil {
		err = childModes[mode](s, arg)
		if cerr := s.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// counterKey is the object the counter children increment.
var counterKey = storage.Key("mp", storagetest.BenchResource, "default", "counter")

// childCounter increments counterKey arg times through Update.
func childCounter(s *Store, n int) error {
	for range n {
		_, err := s.Update(context.Background(), counterKey, func(cur storage.KeyValue) ([]byte, error) {
			v, err := strconv.Atoi(string(cur.Value))
			if err != nil {
				return nil, err
			}
			return []byte(strconv.Itoa(v + 1)), nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// childWatch prints "revision value" for every change to counterKey after
// revision 1 until it has seen arg of them.
func childWatch(s *Store, n int) error {
	w, err := s.Watch(context.Background(), counterKey, 1)
	if err != nil {
		return err
	}
	defer w.Stop()
	out := bufio.NewWriter(os.Stdout)
	defer func() { _ = out.Flush() }()
	for range n {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok || ev.Type != storage.Modified {
				return fmt.Errorf("watch: got %v (open %v), want a MODIFIED event", ev, ok)
			}
			if _, err := fmt.Fprintf(out, "%d %s\n", ev.Revision, ev.Value); err != nil {
				return err
			}
		case <-time.After(time.Minute):
			return fmt.Errorf("watch: no event within a minute")
		}
	}
	return nil
}

// childCrash writes pairs of keys in one Txn each, printing each pair's
// number once the Txn returned, until it is killed.
func childCrash(s *Store, _ int) error {
	for i := 0; ; i++ {
		_, err := s.Txn(context.Background(), []storage.Op{
			{Type: storage.OpCreate, Key: crashKey(i, "a"), Value: storagetest.Value(i)},
			{Type: storage.OpCreate, Key: crashKey(i, "b"), Value: storagetest.Value(i)},
		})
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintln(os.Stdout, i); err != nil {
			return err
		}
	}
}

func crashKey(i int, half string) string {
	return storage.Key("crash", storagetest.BenchResource, "default", fmt.Sprintf("pair-%07d-%s", i, half))
}

// childStamp creates arg objects 2 ms apart whose value is the time of
// the write in Unix nanoseconds.
func childStamp(s *Store, n int) error {
	for i := range n {
		k := storage.Key("lat", storagetest.BenchResource, "default", fmt.Sprintf("o-%07d", i))
		if _, err := s.Create(context.Background(), k, []byte(strconv.FormatInt(time.Now().UnixNano(), 10))); err != nil {
			return err
		}
		time.Sleep(2 * time.Millisecond)
	}
	return nil
}

// child returns the command running mode against the store at path.
func child(t testing.TB, mode, path string, arg int) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envChild+"="+mode, envPath+"="+path, envArg+"="+strconv.Itoa(arg))
	cmd.Stderr = os.Stderr
	return cmd
}
