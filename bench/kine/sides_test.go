package kinebench

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	kinedrivers "github.com/k3s-io/kine/pkg/drivers"
	kinesqlite "github.com/k3s-io/kine/pkg/drivers/sqlite"
	kineserver "github.com/k3s-io/kine/pkg/server"
	"github.com/sirupsen/logrus"
	_ "modernc.org/sqlite" // the raw anchor's driver, as storage/sqlite's

	"github.com/k1s-dev/k1s/storage"
	"github.com/k1s-dev/k1s/storage/sqlite"
	"github.com/k1s-dev/k1s/storage/storagetest"
)

func init() {
	// kine logs every start-up step at Info; the benchmark output is for
	// figures.
	logrus.SetLevel(logrus.WarnLevel)
}

// side is one store under measurement, reduced to the operations the
// benchmarks compare. Each function makes exactly the call a user of that
// store makes for the operation: k1s's storage.Interface, kine's
// server.Backend (what kine's etcd-protocol server calls for each request,
// pkg/server: create.go, get.go, update.go, delete.go, list.go).
type side struct {
	name string
	path string
	// create writes a new key and returns its revision.
	create func(ctx context.Context, key string, value []byte) (int64, error)
	// get reads a key's value and revision.
	get func(ctx context.Context, key string) ([]byte, int64, error)
	// update writes value if the key is still at revision rev, and returns
	// the new revision (a resourceVersion precondition).
	update func(ctx context.Context, key string, value []byte, rev int64) (int64, error)
	// del deletes the key if it is still at revision rev.
	del func(ctx context.Context, key string, rev int64) error
	// list reads every key under prefix with its value.
	list func(ctx context.Context, prefix string) (int, error)
	// watch starts a watch of prefix from now; next blocks for the next
	// event's key.
	watch func(ctx context.Context, prefix string) (next func() (string, error), err error)
	// compact drops all history up to the current revision.
	compact func(ctx context.Context) error
	close   func() error
}

var errConflict = errors.New("precondition failed: revision changed")

// openK1s opens k1s's SQLite store (storage/sqlite) with its defaults.
func openK1s(path string) (*side, error) {
	s, err := sqlite.Open(path)
	if err != nil {
		return nil, err
	}
	return &side{
		name: "k1s",
		path: path,
		create: func(ctx context.Context, key string, value []byte) (int64, error) {
			return s.Create(ctx, key, value)
		},
		get: func(ctx context.Context, key string) ([]byte, int64, error) {
			kv, err := s.Get(ctx, key)
			return kv.Value, kv.Revision, err
		},
		update: func(ctx context.Context, key string, value []byte, rev int64) (int64, error) {
			kv, err := s.Update(ctx, key, func(cur storage.KeyValue) ([]byte, error) {
				if cur.Revision != rev {
					return nil, errConflict
				}
				return value, nil
			})
			return kv.Revision, err
		},
		del: func(ctx context.Context, key string, rev int64) error {
			_, err := s.Delete(ctx, key, func(cur storage.KeyValue) error {
				if cur.Revision != rev {
					return errConflict
				}
				return nil
			})
			return err
		},
		list: func(ctx context.Context, prefix string) (int, error) {
			res, err := s.List(ctx, prefix, storage.ListOptions{})
			return len(res.Items), err
		},
		watch: func(ctx context.Context, prefix string) (func() (string, error), error) {
			w, err := s.Watch(ctx, prefix, 0)
			if err != nil {
				return nil, err
			}
			return func() (string, error) {
				ev, ok := <-w.ResultChan()
				if !ok {
					return "", errors.New("k1s watch closed")
				}
				if ev.Type == storage.Error {
					return "", ev.Err
				}
				return ev.Key, nil
			}, nil
		},
		compact: func(ctx context.Context) error {
			rev, err := s.CurrentRevision(ctx)
			if err != nil {
				return err
			}
			return s.Compact(ctx, rev)
		},
		close: s.Close,
	}, nil
}

// kineConfig is kine's default configuration (pkg/app's flag defaults:
// 1 s poll interval, compaction batches of 1,000, automatic compaction
// off unless asked), with minRetain the revisions a compaction keeps
// (kine's default 1,000).
func kineConfig(path string, minRetain int64) *kinedrivers.Config {
	return &kinedrivers.Config{
		Endpoint:         "sqlite://" + path,
		DataSourceName:   path + "?" + kinesqlite.DefaultParams,
		PollInterval:     time.Second,
		PollBatchSize:    500,
		CompactBatchSize: 1000,
		CompactMinRetain: minRetain,
		CompactTimeout:   5 * time.Second,
	}
}

// openKine opens kine's SQLite backend in process as kine's
// endpoint.Listen does (drivers' New, then Start), without the gRPC
// server in front of it.
func openKine(path string, minRetain int64) (*side, error) {
	ctx, cancel := context.WithCancel(context.Background())
	wg := &sync.WaitGroup{}
	_, b, err := kinesqlite.New(ctx, wg, kineConfig(path, minRetain))
	if err == nil {
		err = b.Start(ctx)
	}
	if err != nil {
		cancel()
		return nil, err
	}
	prefixEnd := func(p string) string { return p[:len(p)-1] + string(p[len(p)-1]+1) }
	return &side{
		name: "kine",
		path: path,
		create: func(ctx context.Context, key string, value []byte) (int64, error) {
			return b.Create(ctx, key, value, 0)
		},
		get: func(ctx context.Context, key string) ([]byte, int64, error) {
			_, kv, err := b.Get(ctx, key, 0, false)
			if err == nil && kv == nil {
				return nil, 0, fmt.Errorf("%s not found", key)
			}
			if err != nil {
				return nil, 0, err
			}
			return kv.Value, kv.ModRevision, nil
		},
		update: func(ctx context.Context, key string, value []byte, rev int64) (int64, error) {
			r, _, ok, err := b.Update(ctx, key, value, rev, 0)
			if err == nil && !ok {
				err = errConflict
			}
			return r, err
		},
		del: func(ctx context.Context, key string, rev int64) error {
			_, _, ok, err := b.Delete(ctx, key, rev)
			if err == nil && !ok {
				err = errConflict
			}
			return err
		},
		list: func(ctx context.Context, prefix string) (int, error) {
			_, kvs, err := b.List(ctx, prefix, prefixEnd(prefix), 0, 0, false)
			return len(kvs), err
		},
		watch: func(ctx context.Context, prefix string) (func() (string, error), error) {
			// kine's backend watches everything; its server filters by
			// range per watcher (pkg/server/watch.go), as done here.
			wr := b.Watch(ctx, 0)
			var pending []*kineserver.Event
			end := prefixEnd(prefix)
			return func() (string, error) {
				for {
					for len(pending) > 0 {
						ev := pending[0]
						pending = pending[1:]
						if ev.KV != nil && ev.KV.Key >= prefix && ev.KV.Key < end {
							return ev.KV.Key, nil
						}
					}
					select {
					case batch, ok := <-wr.Eventc:
						if !ok {
							return "", errors.New("kine watch closed")
						}
						pending = batch.Events
					case err := <-wr.Errorc:
						return "", err
					}
				}
			}, nil
		},
		compact: func(ctx context.Context) error {
			rev, err := b.CurrentRevision(ctx)
			if err != nil {
				return err
			}
			_, err = b.Compact(ctx, rev)
			return err
		},
		close: func() error {
			cancel()
			wg.Wait()
			return nil
		},
	}, nil
}

// rawScan is the anchor of the list target: one table of keys and values
// (modernc, the store's driver and pragmas), one prepared range scan.
type rawScan struct {
	db   *sql.DB
	scan *sql.Stmt
}

func openRaw(path string) (*rawScan, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE kv (key TEXT PRIMARY KEY, value BLOB)`); err != nil {
		_ = db.Close()
		return nil, err
	}
	scan, err := db.Prepare(`SELECT key, value FROM kv WHERE key >= ?1 AND key < ?2 ORDER BY key`)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	return &rawScan{db: db, scan: scan}, nil
}

func (r *rawScan) put(key string, value []byte) error {
	_, err := r.db.Exec(`INSERT INTO kv (key, value) VALUES (?1, ?2)`, key, value)
	return err
}

// list scans the prefix into the same shape the stores return: a key and
// a copy of the value per row.
func (r *rawScan) list(prefix string) (int, error) {
	rows, err := r.scan.Query(prefix, prefix[:len(prefix)-1]+string(prefix[len(prefix)-1]+1))
	if err != nil {
		return 0, err
	}
	defer func() { _ = rows.Close() }()
	var items []storage.KeyValue
	for rows.Next() {
		var kv storage.KeyValue
		if err := rows.Scan(&kv.Key, &kv.Value); err != nil {
			return 0, err
		}
		items = append(items, kv)
	}
	return len(items), rows.Err()
}

func (r *rawScan) close() error {
	_ = r.scan.Close()
	return r.db.Close()
}

// openPair opens a fresh k1s store and a fresh kine backend in tb's
// temporary directory and closes them at the end of tb.
func openPair(tb testing.TB) (k1s, kine *side) {
	dir := tb.TempDir()
	k1s, err := openK1s(filepath.Join(dir, "k1s.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = k1s.close() })
	kine, err = openKine(filepath.Join(dir, "kine.db"), 1000)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = kine.close() })
	return k1s, kine
}

// The same bytes for both sides: storagetest's keys and 1 KiB ConfigMap
// values, as storage/sqlite's own benchmarks.
var (
	prefix = storagetest.BenchPrefix
	values = func() [][]byte {
		v := make([][]byte, 1000)
		for i := range v {
			v[i] = storagetest.Value(i)
		}
		return v
	}()
)

// unlabelledValues are values with metadata.labels removed (the rest of
// each value as it was; a little under 1 KiB).
var unlabelledValues = func() [][]byte {
	v := make([][]byte, len(values))
	for i, b := range values {
		var obj map[string]any
		if err := json.Unmarshal(b, &obj); err != nil {
			panic(err)
		}
		delete(obj["metadata"].(map[string]any), "labels")
		var err error
		if v[i], err = json.Marshal(obj); err != nil {
			panic(err)
		}
	}
	return v
}()

func unlabelled(i int) []byte { return unlabelledValues[i%len(unlabelledValues)] }

func key(i int) string   { return storagetest.Key(i) }
func value(i int) []byte { return values[i%len(values)] }
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
