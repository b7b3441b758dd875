package storagetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/storage"
)

// suiteCase is one rule of the contract, checked on a fresh store.
type suiteCase struct {
	name string
	run  func(t *testing.T, s storage.Interface)
}

// cases lists every rule the suite checks, in the order Run checks them.
var cases = []suiteCase{
	{"CreateGet", testCreateGet},
	{"CreateAlreadyExists", testCreateAlreadyExists},
	{"NotFound", testNotFound},
	{"TooLarge", testTooLarge},
	{"CallerOwnsBuffers", testCallerOwnsBuffers},
	{"RevisionPerWrite", testRevisionPerWrite},
	{"Update", testUpdate},
	{"UpdateCallbackError", testUpdateCallbackError},
	{"Delete", testDelete},
	{"DeletePrecondition", testDeletePrecondition},
	{"Txn", testTxn},
	{"TxnFailureWritesNothing", testTxnFailures},
	{"TxnExpectedRevision", testTxnExpectedRevision},
	{"Count", testCount},
	{"ListOrderAndPrefix", testListOrderAndPrefix},
	{"TenantIsolation", testTenantIsolation},
	{"Pagination", testPagination},
	{"PaginationConsistentUnderWrites", testPaginationConsistent},
	{"ListAtRevision", testListAtRevision},
	{"LabelSelectedListMatchesScan", testLabelSelection},
	{"Compact", testCompact},
	{"ConcurrentUpdatesLoseNothing", testConcurrentUpdates},
	{"WatchReplay", testWatchReplay},
	{"WatchFromNow", testWatchFromNow},
	{"ListThenWatch", testListThenWatch},
	{"WatchFailedWritesEmitNothing", testWatchFailedWrites},
	{"WatchPrefix", testWatchPrefix},
	{"WatchConcurrentWriters", testWatchConcurrentWriters},
	{"ManyWatchersOfOneStore", testManyWatchers},
	{"SlowWatcherDoesNotStallOthers", testSlowWatcher},
	{"WatchCompacted", testWatchCompacted},
	{"WatchStop", testWatchStop},
	{"WatchContextCancel", testWatchContextCancel},
	{"Close", testClose},
}

// Run checks that the stores newStore returns implement storage.Interface.
// Every subtest gets a fresh, empty store from newStore, which must register
// the store's cleanup (t.Cleanup) itself.
func Run(t *testing.T, newStore func(t *testing.T) storage.Interface) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, newStore(t)) })
	}
}

func testCreateGet(t *testing.T, s storage.Interface) {
	before := current(t, s)
	k := key("t", "default", "a")
	rev := create(t, s, k, val("one"))
	check(t, rev > before, "Create returned revision %d, not after the store's revision %d", rev, before)
	check(t, current(t, s) == rev, "CurrentRevision is %d after a Create at %d", current(t, s), rev)
	equal(t, get(t, s, k), storage.KeyValue{Key: k, Value: val("one"), Revision: rev, CreateRevision: rev}, "Get after Create")

	// An empty value is a value, not an absence.
	e := key("t", "default", "empty")
	erev := create(t, s, e, nil)
	equal(t, get(t, s, e), storage.KeyValue{Key: e, Revision: erev, CreateRevision: erev}, "Get of an empty value")

	// Cluster-scoped keys (no namespace segment) work alike.
	c := storage.Key("t", suiteResource, "", "cluster-wide")
	crev := create(t, s, c, val("c"))
	equal(t, get(t, s, c), storage.KeyValue{Key: c, Value: val("c"), Revision: crev, CreateRevision: crev}, "Get of a cluster-scoped key")
}

func testCreateAlreadyExists(t *testing.T, s storage.Interface) {
	k := key("t", "default", "a")
	rev := create(t, s, k, val("first"))
	_, err := s.Create(t.Context(), k, val("second"))
	fails(t, err, alreadyExists, "second Create of %s", k)
	unchanged(t, s, rev, "a duplicate Create")
	equal(t, get(t, s, k).Value, val("first"), "value after a duplicate Create")
}

func testNotFound(t *testing.T, s storage.Interface) {
	k := key("t", "default", "missing")
	// A deleted key is as missing as one never written.
	deleted := key("t", "default", "deleted")
	create(t, s, deleted, val("x"))
	del(t, s, deleted)
	before := current(t, s)
	called := false
	ops := []struct {
		name string
		do   func(k string) error
	}{
		{"Get", func(k string) error { _, err := s.Get(t.Context(), k); return err }},
		{"Update", func(k string) error {
			_, err := s.Update(t.Context(), k, func(storage.KeyValue) ([]byte, error) { called = true; return val("new"), nil })
			return err
		}},
		{"Delete", func(k string) error {
			_, err := s.Delete(t.Context(), k, func(storage.KeyValue) error { called = true; return nil })
			return err
		}},
		{"Txn put", func(k string) error {
			_, err := s.Txn(t.Context(), []storage.Op{{Type: storage.OpPut, Key: k, Value: val("new")}})
			return err
		}},
		{"Txn delete", func(k string) error {
			_, err := s.Txn(t.Context(), []storage.Op{{Type: storage.OpDelete, Key: k}})
			return err
		}},
	}
	for _, op := range ops {
		for _, k := range []string{k, deleted} {
			fails(t, op.do(k), notFound, "%s of missing key %s", op.name, k)
			check(t, !called, "%s of missing key %s called its callback", op.name, k)
			unchanged(t, s, before, op.name+" of a missing key")
		}
	}
	// The error names the object, as apimachinery errors do.
	_, err := s.Get(t.Context(), k)
	check(t, bytes.Contains([]byte(err.Error()), []byte("missing")), "NotFound error %q does not name the object", err)
}

func testTooLarge(t *testing.T, s storage.Interface) {
	k := key("t", "default", "big")
	rev := create(t, s, k, val("small"))
	huge := bytes.Repeat([]byte("x"), storage.MaxValueSize+1)
	fresh := key("t", "default", "fresh")
	ops := []struct {
		name string
		do   func() error
	}{
		{"Create", func() error { _, err := s.Create(t.Context(), fresh, huge); return err }},
		{"Update", func() error {
			_, err := s.Update(t.Context(), k, func(storage.KeyValue) ([]byte, error) { return huge, nil })
			return err
		}},
		{"Txn create", func() error {
			_, err := s.Txn(t.Context(), []storage.Op{{Type: storage.OpCreate, Key: fresh, Value: huge}})
			return err
		}},
		{"Txn put", func() error {
			_, err := s.Txn(t.Context(), []storage.Op{{Type: storage.OpPut, Key: k, Value: huge}})
			return err
		}},
		{"Txn with a valid op first", func() error {
			_, err := s.Txn(t.Context(), []storage.Op{
				{Type: storage.OpCreate, Key: fresh, Value: val("ok")},
				{Type: storage.OpPut, Key: k, Value: huge},
			})
			return err
		}},
	}
	for _, op := range ops {
		fails(t, op.do(), tooLarge, "%s of %d bytes", op.name, len(huge))
		unchanged(t, s, rev, op.name+" of a too large value")
		equal(t, get(t, s, k).Value, val("small"), "value after a too large %s", op.name)
		_, err := s.Get(t.Context(), fresh)
		fails(t, err, notFound, "Get %s after a too large %s", fresh, op.name)
	}
	// The limit itself is accepted.
	limit := bytes.Repeat([]byte("y"), storage.MaxValueSize)
	create(t, s, fresh, limit)
	check(t, bytes.Equal(get(t, s, fresh).Value, limit), "a value of exactly MaxValueSize bytes did not read back")
}

func testCallerOwnsBuffers(t *testing.T, s storage.Interface) {
	k := key("t", "default", "a")
	in := val("original")
	create(t, s, k, in)
	copy(in, "CHANGED!")
	out := get(t, s, k).Value
	equal(t, out, val("original"), "value after the caller reused its Create buffer")
	copy(out, "CHANGED!")
	equal(t, get(t, s, k).Value, val("original"), "value after the caller modified a Get result")
	items := list(t, s, prefix("t", "default"), storage.ListOptions{}).Items
	copy(items[0].Value, "CHANGED!")
	equal(t, get(t, s, k).Value, val("original"), "value after the caller modified a List result")
}

func testRevisionPerWrite(t *testing.T, s storage.Interface) {
	a, b, c := key("t", "default", "a"), key("t", "default", "b"), key("t", "default", "c")
	steps := []struct {
		name  string
		write func() int64
	}{
		{"Create", func() int64 { return create(t, s, a, val("1")) }},
		{"Create", func() int64 { return create(t, s, b, val("1")) }},
		{"Update", func() int64 { return put(t, s, a, val("2")).Revision }},
		{"Delete", func() int64 { return del(t, s, b).Revision }},
		{"Txn of three ops", func() int64 {
			return txn(t, s,
				storage.Op{Type: storage.OpCreate, Key: b, Value: val("3")},
				storage.Op{Type: storage.OpCreate, Key: c, Value: val("3")},
				storage.Op{Type: storage.OpPut, Key: a, Value: val("3")})
		}},
		{"Delete", func() int64 { return del(t, s, c).Revision }},
	}
	prev := current(t, s)
	for i, step := range steps {
		rev := step.write()
		check(t, rev == prev+1, "step %d (%s) wrote at revision %d, want exactly one more than %d", i, step.name, rev, prev)
		check(t, current(t, s) == rev, "step %d (%s): CurrentRevision %d, want %d", i, step.name, current(t, s), rev)
		prev = rev
	}
}

func testUpdate(t *testing.T, s storage.Interface) {
	k := key("t", "default", "a")
	crev := create(t, s, k, val("v1"))
	var seen storage.KeyValue
	kv, err := s.Update(t.Context(), k, func(cur storage.KeyValue) ([]byte, error) {
		seen = cur
		return append(append([]byte(nil), cur.Value...), "+v2"...), nil
	})
	ok(t, err, "Update %s", k)
	equal(t, seen, storage.KeyValue{Key: k, Value: val("v1"), Revision: crev, CreateRevision: crev}, "value Update passed to its callback")
	check(t, kv.Revision == crev+1, "Update returned revision %d, want %d", kv.Revision, crev+1)
	want := storage.KeyValue{Key: k, Value: val("v1+v2"), Revision: crev + 1, CreateRevision: crev}
	equal(t, kv, want, "KeyValue Update returned")
	equal(t, get(t, s, k), want, "Get after Update")
}

func testUpdateCallbackError(t *testing.T, s storage.Interface) {
	k := key("t", "default", "a")
	rev := create(t, s, k, val("v1"))
	conflictErr := storage.NewConflict(k, rev-1, rev)
	invalid := apierrors.NewBadRequest("storagetest: invalid object")
	for _, want := range []error{errSentinel, conflictErr, invalid} {
		_, err := s.Update(t.Context(), k, func(storage.KeyValue) ([]byte, error) { return val("never"), want })
		check(t, err == want, "Update returned %v (%T), want the callback's error %v unchanged", err, err, want)
		unchanged(t, s, rev, "an Update whose callback failed")
		equal(t, get(t, s, k).Value, val("v1"), "value after a failed Update callback")
	}
	// Wrapped errors survive too.
	wrapped := fmt.Errorf("validating: %w", errSentinel)
	_, err := s.Update(t.Context(), k, func(storage.KeyValue) ([]byte, error) { return nil, wrapped })
	check(t, errors.Is(err, errSentinel), "Update lost the callback's wrapped error: %v", err)
}

func testDelete(t *testing.T, s storage.Interface) {
	p := prefix("t", "default")
	k := key("t", "default", "a")
	crev := create(t, s, k, val("v1"))
	urev := put(t, s, k, val("v2")).Revision
	create(t, s, key("t", "default", "b"), val("b"))
	check(t, count(t, s, p) == 2, "Count before Delete is %d, want 2", count(t, s, p))
	before := current(t, s)
	kv := del(t, s, k)
	equal(t, kv, storage.KeyValue{Key: k, Value: val("v2"), Revision: before + 1, CreateRevision: crev}, "KeyValue Delete returned")
	check(t, urev < kv.Revision, "deletion revision %d not after the last write %d", kv.Revision, urev)
	check(t, current(t, s) == before+1, "CurrentRevision after Delete is %d, want %d", current(t, s), before+1)
	_, err := s.Get(t.Context(), k)
	fails(t, err, notFound, "Get after Delete")
	check(t, count(t, s, p) == 1, "Count after Delete is %d, want 1", count(t, s, p))
	// A recreated key starts a new life.
	rrev := create(t, s, k, val("v3"))
	equal(t, get(t, s, k), storage.KeyValue{Key: k, Value: val("v3"), Revision: rrev, CreateRevision: rrev}, "Get after re-Create")
}

func testDeletePrecondition(t *testing.T, s storage.Interface) {
	k := key("t", "default", "a")
	rev := create(t, s, k, val("v1"))
	// A precondition for an older resourceVersion is how the layer above
	// turns a stale delete into a Conflict.
	stale := func(cur storage.KeyValue) error {
		if cur.Revision != rev-1 {
			return storage.NewConflict(cur.Key, rev-1, cur.Revision)
		}
		return nil
	}
	_, err := s.Delete(t.Context(), k, stale)
	fails(t, err, conflict, "Delete with a stale precondition")
	unchanged(t, s, rev, "a Delete whose precondition failed")
	get(t, s, k)

	_, err = s.Delete(t.Context(), k, func(storage.KeyValue) error { return errSentinel })
	check(t, err == errSentinel, "Delete returned %v, want the precondition's error unchanged", err)
	unchanged(t, s, rev, "a Delete whose precondition failed")

	var seen storage.KeyValue
	kv, err := s.Delete(t.Context(), k, func(cur storage.KeyValue) error { seen = cur; return nil })
	ok(t, err, "Delete with a passing precondition")
	equal(t, seen, storage.KeyValue{Key: k, Value: val("v1"), Revision: rev, CreateRevision: rev}, "value Delete passed to its precondition")
	equal(t, kv, storage.KeyValue{Key: k, Value: val("v1"), Revision: rev + 1, CreateRevision: rev}, "KeyValue Delete returned")
}

func testTxn(t *testing.T, s storage.Interface) {
	a, b, c, d := key("t", "default", "a"), key("t", "default", "b"), key("t", "default", "c"), key("t", "default", "d")
	arev := create(t, s, a, val("a1"))
	create(t, s, b, val("b1"))
	before := current(t, s)
	rev := txn(t, s,
		storage.Op{Type: storage.OpCreate, Key: c, Value: val("c1")},
		storage.Op{Type: storage.OpPut, Key: a, Value: val("a2")},
		storage.Op{Type: storage.OpDelete, Key: b},
		storage.Op{Type: storage.OpCreate, Key: d, Value: val("d1")},
	)
	check(t, rev == before+1, "Txn wrote at revision %d, want %d (one revision for all its ops)", rev, before+1)
	check(t, current(t, s) == rev, "CurrentRevision after Txn is %d, want %d", current(t, s), rev)
	equal(t, list(t, s, prefix("t", "default"), storage.ListOptions{}).Items, []storage.KeyValue{
		{Key: a, Value: val("a2"), Revision: rev, CreateRevision: arev},
		{Key: c, Value: val("c1"), Revision: rev, CreateRevision: rev},
		{Key: d, Value: val("d1"), Revision: rev, CreateRevision: rev},
	}, "List after Txn")
}

func testTxnFailures(t *testing.T, s storage.Interface) {
	a, b, fresh := key("t", "default", "a"), key("t", "default", "b"), key("t", "default", "fresh")
	arev := create(t, s, a, val("a1"))
	brev := create(t, s, b, val("b1"))
	want := list(t, s, prefix("t", "default"), storage.ListOptions{})
	valid := []storage.Op{
		{Type: storage.OpCreate, Key: fresh, Value: val("f")},
		{Type: storage.OpPut, Key: a, Value: val("a2"), ExpectedRevision: arev},
	}
	bad := []struct {
		name string
		op   storage.Op
		kind errKind
	}{
		{"create of an existing key", storage.Op{Type: storage.OpCreate, Key: b, Value: val("x")}, alreadyExists},
		{"put of a missing key", storage.Op{Type: storage.OpPut, Key: key("t", "default", "nope"), Value: val("x")}, notFound},
		{"put at a stale revision", storage.Op{Type: storage.OpPut, Key: b, Value: val("x"), ExpectedRevision: brev - 1}, conflict},
		{"delete of a missing key", storage.Op{Type: storage.OpDelete, Key: key("t", "default", "nope")}, notFound},
		{"delete at a stale revision", storage.Op{Type: storage.OpDelete, Key: b, ExpectedRevision: brev + 1}, conflict},
	}
	for _, tc := range bad {
		for _, ops := range [][]storage.Op{
			{tc.op},
			append(append([]storage.Op(nil), valid...), tc.op),
			{valid[0], tc.op, valid[1]},
		} {
			_, err := s.Txn(t.Context(), ops)
			fails(t, err, tc.kind, "Txn with a %s among %d ops", tc.name, len(ops))
			unchanged(t, s, brev, "a failed Txn")
			equal(t, list(t, s, prefix("t", "default"), storage.ListOptions{}), want, "List after a failed Txn (%s)", tc.name)
		}
	}
}

func testTxnExpectedRevision(t *testing.T, s storage.Interface) {
	a, b := key("t", "default", "a"), key("t", "default", "b")
	arev := create(t, s, a, val("a1"))
	brev := create(t, s, b, val("b1"))
	rev := txn(t, s,
		storage.Op{Type: storage.OpPut, Key: a, Value: val("a2"), ExpectedRevision: arev},
		storage.Op{Type: storage.OpDelete, Key: b, ExpectedRevision: brev})
	equal(t, get(t, s, a), storage.KeyValue{Key: a, Value: val("a2"), Revision: rev, CreateRevision: arev}, "Get after a Txn put at the expected revision")
	_, err := s.Get(t.Context(), b)
	fails(t, err, notFound, "Get after a Txn delete at the expected revision")
	// The old revision of a is stale now.
	_, err = s.Txn(t.Context(), []storage.Op{{Type: storage.OpPut, Key: a, Value: val("a3"), ExpectedRevision: arev}})
	fails(t, err, conflict, "Txn put at the revision before the last write")
}

func testCount(t *testing.T, s storage.Interface) {
	check(t, count(t, s, prefix("t", "")) == 0, "Count of an empty store is %d", count(t, s, prefix("t", "")))
	for i := range 5 {
		create(t, s, key("t", "ns1", fmt.Sprint(i)), val("x"))
	}
	for i := range 3 {
		create(t, s, key("t", "ns2", fmt.Sprint(i)), val("x"))
	}
	del(t, s, key("t", "ns1", "0"))
	for _, tc := range []struct {
		prefix string
		want   int64
	}{
		{prefix("t", "ns1"), 4},
		{prefix("t", "ns2"), 3},
		{prefix("t", ""), 7},
		{storage.TenantPrefix("t"), 7},
		{storage.TenantPrefix("other"), 0},
		{prefix("t", "ns"), 0},
	} {
		check(t, count(t, s, tc.prefix) == tc.want, "Count %s = %d, want %d", tc.prefix, count(t, s, tc.prefix), tc.want)
	}
}

func testListOrderAndPrefix(t *testing.T, s storage.Interface) {
	names := []string{"m", "b", "z", "a", "a0", "a-1", "B", "y"}
	revs := map[string]int64{}
	for _, n := range names {
		revs[n] = create(t, s, key("t", "ns", n), val("v-"+n))
	}
	create(t, s, key("t", "other", "a"), val("other"))
	create(t, s, storage.Key("t", suiteResource, "", "ns"), val("cluster-scoped"))
	rev := put(t, s, key("t", "ns", "m"), val("v-m2")).Revision
	res := list(t, s, prefix("t", "ns"), storage.ListOptions{})
	var want []storage.KeyValue
	for _, n := range []string{"B", "a", "a-1", "a0", "b", "m", "y", "z"} {
		kv := storage.KeyValue{Key: key("t", "ns", n), Value: val("v-" + n), Revision: revs[n], CreateRevision: revs[n]}
		if n == "m" {
			kv.Value, kv.Revision = val("v-m2"), rev
		}
		want = append(want, kv)
	}
	equal(t, res.Items, want, "List %s", prefix("t", "ns"))
	check(t, res.Revision == current(t, s), "List revision %d, want the current %d", res.Revision, current(t, s))
	check(t, res.Continue == "", "unlimited List returned a continue token")
	check(t, res.RemainingItemCount == nil || *res.RemainingItemCount == 0, "unlimited List has %s remaining items", show(res.RemainingItemCount))

	empty := list(t, s, prefix("t", "nothing-here"), storage.ListOptions{})
	check(t, len(empty.Items) == 0 && empty.Continue == "", "List of an empty prefix returned %d items", len(empty.Items))
	check(t, empty.Revision == current(t, s), "List of an empty prefix has revision %d, want %d", empty.Revision, current(t, s))
}

func testTenantIsolation(t *testing.T, s storage.Interface) {
	// "t1" is a string prefix of "t10": only the trailing slash separates them.
	for _, tenant := range []string{"t1", "t10"} {
		for i := range 3 {
			create(t, s, key(tenant, "default", fmt.Sprint(i)), val(tenant))
		}
	}
	create(t, s, key("t1", "def", "x"), val("def"))
	// "def" is a string prefix of "default": only the trailing slash of a
	// namespace prefix keeps them apart.
	configMaps := schema.GroupResource{Resource: "configmaps"}
	create(t, s, storage.Key("t", configMaps, "default", "x"), val("default"))
	for _, tc := range []struct {
		prefix string
		want   int
		value  string
	}{
		{storage.TenantPrefix("t1"), 4, ""},
		{storage.TenantPrefix("t10"), 3, "t10"},
		{prefix("t1", "default"), 3, "t1"},
		{prefix("t10", "default"), 3, "t10"},
		{prefix("t1", "def"), 1, "def"},
		{"/t/core/configmaps/def/", 0, ""},
		{storage.Prefix("t", configMaps, "default"), 1, "default"},
	} {
		items := list(t, s, tc.prefix, storage.ListOptions{}).Items
		check(t, len(items) == tc.want, "List %s returned %d items, want %d", tc.prefix, len(items), tc.want)
		check(t, count(t, s, tc.prefix) == int64(tc.want), "Count %s = %d, want %d", tc.prefix, count(t, s, tc.prefix), tc.want)
		for _, kv := range items {
			check(t, len(kv.Key) > len(tc.prefix) && kv.Key[:len(tc.prefix)] == tc.prefix, "List %s returned foreign key %s", tc.prefix, kv.Key)
			check(t, tc.value == "" || string(kv.Value) == tc.value, "List %s returned %s's value %q", tc.prefix, kv.Key, kv.Value)
		}
	}
	// A watch on one tenant never sees another's writes: the other tenant
	// writes first, so an unfiltered event would arrive first.
	w := startWatch(t, s, t.Context(), storage.TenantPrefix("t1"), 0)
	wd := startWatch(t, s, t.Context(), prefix("t1", "def"), 0)
	wcm := startWatch(t, s, t.Context(), "/t/core/configmaps/def/", 0)
	create(t, s, storage.Key("t", configMaps, "default", "new"), val("default"))
	create(t, s, storage.Key("t", configMaps, "def", "new"), val("def"))
	create(t, s, key("t10", "default", "new"), val("t10"))
	create(t, s, key("t1", "default", "new"), val("t1"))
	create(t, s, key("t1", "def", "new"), val("def"))
	ev := next(t, w)
	check(t, ev.Key == key("t1", "default", "new"), "tenant t1's watch got %s %s first", ev.Type, ev.Key)
	ev = next(t, wd)
	check(t, ev.Key == key("t1", "def", "new"), "watch on namespace def got %s %s first", ev.Type, ev.Key)
	ev = next(t, wcm)
	check(t, ev.Key == storage.Key("t", configMaps, "def", "new"), "watch on /t/core/configmaps/def/ got %s %s first", ev.Type, ev.Key)
}

func testPagination(t *testing.T, s storage.Interface) {
	p := prefix("t", "default")
	for i := range 10 {
		create(t, s, key("t", "default", fmt.Sprintf("%02d", i)), val(fmt.Sprint(i)))
	}
	create(t, s, key("t", "zzz", "after"), val("outside"))
	all := list(t, s, p, storage.ListOptions{})
	for _, tc := range []struct {
		limit int64
		sizes []int
	}{
		{1, []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
		{3, []int{3, 3, 3, 1}},
		{5, []int{5, 5}},
		{10, []int{10}},
		{11, []int{10}},
		{1000, []int{10}},
	} {
		pages := listPages(t, s, p, tc.limit, nil)
		var sizes []int
		var items []storage.KeyValue
		seen := 0
		for i, pg := range pages {
			sizes = append(sizes, len(pg.Items))
			items = append(items, pg.Items...)
			seen += len(pg.Items)
			check(t, pg.Revision == all.Revision, "limit %d page %d read at revision %d, want %d", tc.limit, i, pg.Revision, all.Revision)
			if pg.Continue != "" {
				check(t, pg.RemainingItemCount != nil, "limit %d page %d has a continue token but no RemainingItemCount", tc.limit, i)
				check(t, *pg.RemainingItemCount == int64(10-seen), "limit %d page %d: RemainingItemCount %s, want %d", tc.limit, i, show(pg.RemainingItemCount), 10-seen)
			} else {
				check(t, pg.RemainingItemCount == nil || *pg.RemainingItemCount == 0, "limit %d last page: RemainingItemCount %s", tc.limit, show(pg.RemainingItemCount))
			}
		}
		equal(t, sizes, tc.sizes, "page sizes with limit %d", tc.limit)
		equal(t, items, all.Items, "items paged with limit %d", tc.limit)
	}
	_, err := s.List(t.Context(), p, storage.ListOptions{Limit: 2, Continue: "not a continue token"})
	fails(t, err, anyError, "List with a malformed continue token")
}

func testPaginationConsistent(t *testing.T, s storage.Interface) {
	p := prefix("t", "default")
	for i := range 12 {
		create(t, s, key("t", "default", fmt.Sprintf("%02d", i*2)), val(fmt.Sprint(i)))
	}
	snapshot := list(t, s, p, storage.ListOptions{})
	var read []storage.KeyValue
	// Between pages, write all over the prefix: before and after the
	// cursor, updates and deletes of unread items, a delete of a read one,
	// and a Txn.
	between := func(page int) {
		n := fmt.Sprintf("%02d", page*2+1)
		create(t, s, key("t", "default", "0"+n), val("new before"))
		create(t, s, key("t", "default", "9"+n), val("new after"))
		put(t, s, key("t", "default", "22"), val(fmt.Sprintf("updated %d", page)))
		if page == 1 {
			del(t, s, key("t", "default", "00"))
			del(t, s, key("t", "default", "20"))
			txn(t, s, storage.Op{Type: storage.OpDelete, Key: key("t", "default", "18")},
				storage.Op{Type: storage.OpCreate, Key: key("t", "default", "19"), Value: val("txn")})
		}
	}
	pages := listPages(t, s, p, 4, between)
	for i, pg := range pages {
		check(t, pg.Revision == snapshot.Revision, "page %d read at revision %d, want the first page's %d", i, pg.Revision, snapshot.Revision)
		read = append(read, pg.Items...)
	}
	equal(t, read, snapshot.Items, "pages read while writing")
	check(t, current(t, s) > snapshot.Revision, "writes between pages did not move the revision")
}

func testListAtRevision(t *testing.T, s storage.Interface) {
	p := prefix("t", "default")
	a, b, c := key("t", "default", "a"), key("t", "default", "b"), key("t", "default", "c")
	arev := create(t, s, a, val("a1"))
	brev := create(t, s, b, val("b1"))
	past := current(t, s)
	pastItems := []storage.KeyValue{
		{Key: a, Value: val("a1"), Revision: arev, CreateRevision: arev},
		{Key: b, Value: val("b1"), Revision: brev, CreateRevision: brev},
	}
	put(t, s, a, val("a2"))
	del(t, s, b)
	create(t, s, c, val("c1"))
	put(t, s, a, val("a3"))

	res := list(t, s, p, storage.ListOptions{Revision: past})
	check(t, res.Revision == past, "List at revision %d reports revision %d", past, res.Revision)
	equal(t, res.Items, pastItems, "List at revision %d", past)

	// Paginated reads at a past revision stay there.
	pages := listPages(t, s, p, 1, nil)
	check(t, len(pages) == 2, "current list paged by 1 has %d pages, want 2", len(pages))
	first := list(t, s, p, storage.ListOptions{Revision: past, Limit: 1})
	equal(t, first.Items, pastItems[:1], "first page at revision %d", past)
	check(t, first.Continue != "", "first page at revision %d has no continue token", past)
	second := list(t, s, p, storage.ListOptions{Limit: 1, Continue: first.Continue})
	check(t, second.Revision == past, "second page at revision %d reports revision %d", past, second.Revision)
	equal(t, second.Items, pastItems[1:], "second page at revision %d", past)

	// Every intermediate revision reads back as written.
	for rev := arev; rev <= current(t, s); rev++ {
		got := list(t, s, p, storage.ListOptions{Revision: rev})
		check(t, got.Revision == rev, "List at revision %d reports revision %d", rev, got.Revision)
	}
	now := current(t, s)
	equal(t, list(t, s, p, storage.ListOptions{Revision: now}).Items, list(t, s, p, storage.ListOptions{}).Items, "List at the current revision")
}

func testCompact(t *testing.T, s storage.Interface) {
	p := prefix("t", "default")
	a, b := key("t", "default", "a"), key("t", "default", "b")
	create(t, s, a, val("a1"))
	create(t, s, b, val("b1"))
	first := list(t, s, p, storage.ListOptions{Limit: 1})
	put(t, s, a, val("a2"))
	del(t, s, b)
	c := current(t, s)
	want := list(t, s, p, storage.ListOptions{})
	put(t, s, a, val("a3"))
	ok(t, s.Compact(t.Context(), c), "Compact %d", c)

	for _, rev := range []int64{1, first.Revision, c - 1} {
		_, err := s.List(t.Context(), p, storage.ListOptions{Revision: rev})
		fails(t, err, gone, "List at revision %d after Compact(%d)", rev, c)
	}
	_, err := s.List(t.Context(), p, storage.ListOptions{Limit: 1, Continue: first.Continue})
	fails(t, err, gone, "List continuing a page read at revision %d after Compact(%d)", first.Revision, c)
	// The compacted revision itself and everything after it still read.
	equal(t, list(t, s, p, storage.ListOptions{Revision: c}), want, "List at the compacted revision %d", c)
	check(t, get(t, s, a).Revision == c+1, "Get after Compact returned revision %d, want %d", get(t, s, a).Revision, c+1)
	check(t, current(t, s) == c+1, "Compact moved CurrentRevision to %d", current(t, s))
	check(t, count(t, s, p) == 1, "Count after Compact is %d, want 1", count(t, s, p))
	// Writes continue after compaction.
	rev := create(t, s, b, val("b2"))
	check(t, rev == c+2, "Create after Compact wrote at %d, want %d", rev, c+2)
}

func testConcurrentUpdates(t *testing.T, s storage.Interface) {
	const workers, perWorker = 16, 25
	k := key("t", "default", "counter")
	start := create(t, s, k, val("0"))
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for range perWorker {
				_, err := s.Update(context.Background(), k, func(cur storage.KeyValue) ([]byte, error) {
					n, err := strconv.Atoi(string(cur.Value))
					if err != nil {
						return nil, err
					}
					return []byte(strconv.Itoa(n + 1)), nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		ok(t, err, "concurrent Update")
	}
	kv := get(t, s, k)
	equal(t, string(kv.Value), strconv.Itoa(workers*perWorker), "counter after %d concurrent increments", workers*perWorker)
	check(t, kv.Revision == start+workers*perWorker, "counter revision %d, want %d (one per increment)", kv.Revision, start+workers*perWorker)
}

// history writes a fixed sequence under prefix("t", "w") (and one key
// elsewhere) and returns the events a watch of that prefix must deliver.
func history(t *testing.T, s storage.Interface) []storage.Event {
	a, b, c := key("t", "w", "a"), key("t", "w", "b"), key("t", "w", "c")
	var evs []storage.Event
	add := func(typ storage.EventType, k string, v, prev []byte, rev int64) {
		evs = append(evs, storage.Event{Type: typ, Key: k, Value: v, PrevValue: prev, Revision: rev})
	}
	add(storage.Added, a, val("a1"), nil, create(t, s, a, val("a1")))
	create(t, s, key("t", "elsewhere", "x"), val("x"))
	add(storage.Modified, a, val("a2"), val("a1"), put(t, s, a, val("a2")).Revision)
	add(storage.Added, b, val("b1"), nil, create(t, s, b, val("b1")))
	add(storage.Deleted, a, val("a2"), val("a2"), del(t, s, a).Revision)
	rev := txn(t, s,
		storage.Op{Type: storage.OpCreate, Key: a, Value: val("a3")},
		storage.Op{Type: storage.OpPut, Key: b, Value: val("b2")},
		storage.Op{Type: storage.OpCreate, Key: c, Value: val("c1")})
	add(storage.Added, a, val("a3"), nil, rev)
	add(storage.Modified, b, val("b2"), val("b1"), rev)
	add(storage.Added, c, val("c1"), nil, rev)
	rev = txn(t, s, storage.Op{Type: storage.OpDelete, Key: c}, storage.Op{Type: storage.OpPut, Key: a, Value: val("a4")})
	add(storage.Modified, a, val("a4"), val("a3"), rev)
	add(storage.Deleted, c, val("c1"), val("c1"), rev)
	return evs
}

func testWatchReplay(t *testing.T, s storage.Interface) {
	create(t, s, key("t", "w", "before"), val("old"))
	from := current(t, s)
	want := history(t, s)
	w := startWatch(t, s, t.Context(), prefix("t", "w"), from)
	equalEvents(t, nextN(t, w, len(want)), want, fmt.Sprintf("watch from revision %d", from))

	// A watch from the middle replays only the later part.
	mid := want[3].Revision - 1
	w2 := startWatch(t, s, t.Context(), prefix("t", "w"), mid)
	equalEvents(t, nextN(t, w2, len(want)-3), want[3:], fmt.Sprintf("watch from revision %d", mid))

	// Live events follow the replay on the same channel.
	rev := create(t, s, key("t", "w", "live"), val("live"))
	live := []storage.Event{{Type: storage.Added, Key: key("t", "w", "live"), Value: val("live"), Revision: rev}}
	equalEvents(t, []storage.Event{next(t, w)}, live, "live event after replay")
	equalEvents(t, []storage.Event{next(t, w2)}, live, "live event after replay")

	// A watch from the current revision replays nothing.
	w3 := startWatch(t, s, t.Context(), prefix("t", "w"), current(t, s))
	rev = put(t, s, key("t", "w", "live"), val("live2")).Revision
	equalEvents(t, []storage.Event{next(t, w3)}, []storage.Event{{Type: storage.Modified, Key: key("t", "w", "live"), Value: val("live2"), PrevValue: val("live"), Revision: rev}}, "watch from the current revision")
}

func testWatchFromNow(t *testing.T, s storage.Interface) {
	for i := range 5 {
		create(t, s, key("t", "w", fmt.Sprint(i)), val("old"))
	}
	w := startWatch(t, s, t.Context(), prefix("t", "w"), 0)
	want := history(t, s)
	equalEvents(t, nextN(t, w, len(want)), want, "watch from now")
}

func testWatchPrefix(t *testing.T, s storage.Interface) {
	w := startWatch(t, s, t.Context(), prefix("t", "w"), 0)
	wAll := startWatch(t, s, t.Context(), prefix("t", ""), 0)
	// Keys that share a string prefix with the watched one, other
	// resources and other tenants come first; none may be delivered.
	create(t, s, key("t", "w2", "a"), val("x"))
	create(t, s, key("t", "other", "a"), val("x"))
	create(t, s, storage.Key("t", suiteResource, "", "w"), val("cluster"))
	create(t, s, key("u", "w", "a"), val("x"))
	create(t, s, storage.Key("t", schema.GroupResource{Group: "apps", Resource: "widgets2"}, "w", "a"), val("x"))
	rev := create(t, s, key("t", "w", "target"), val("y"))
	ev := next(t, w)
	equalEvents(t, []storage.Event{ev}, []storage.Event{{Type: storage.Added, Key: key("t", "w", "target"), Value: val("y"), Revision: rev}}, "first event of a prefix watch")
	// The resource-wide watch sees every namespace of its tenant, in order.
	evs := nextN(t, wAll, 4)
	var keys []string
	for _, ev := range evs {
		keys = append(keys, ev.Key)
	}
	equal(t, keys, []string{key("t", "w2", "a"), key("t", "other", "a"), storage.Key("t", suiteResource, "", "w"), key("t", "w", "target")}, "keys seen by a resource-wide watch")
}

func testWatchConcurrentWriters(t *testing.T, s storage.Interface) {
	const writers, perWriter = 4, 25
	from := current(t, s)
	w := startWatch(t, s, t.Context(), prefix("t", "w"), 0)
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Go(func() {
			for j := range perWriter {
				if _, err := s.Create(context.Background(), key("t", "w", fmt.Sprintf("%d-%d", i, j)), val("x")); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		ok(t, err, "concurrent Create")
	}
	evs := nextN(t, w, writers*perWriter)
	seen := map[int64]bool{}
	for i, ev := range evs {
		check(t, ev.Type == storage.Added, "event %d is %s, want ADDED", i, ev.Type)
		check(t, ev.Revision > from && ev.Revision <= from+writers*perWriter, "event %d has revision %d outside (%d, %d]", i, ev.Revision, from, from+writers*perWriter)
		check(t, i == 0 || ev.Revision > evs[i-1].Revision, "event %d at revision %d after revision %d: out of order", i, ev.Revision, evs[max(i-1, 0)].Revision)
		check(t, !seen[ev.Revision], "revision %d delivered twice", ev.Revision)
		seen[ev.Revision] = true
	}
}

func testWatchCompacted(t *testing.T, s storage.Interface) {
	p := prefix("t", "w")
	for i := range 5 {
		create(t, s, key("t", "w", fmt.Sprint(i)), val("x"))
	}
	c := current(t, s)
	ok(t, s.Compact(t.Context(), c), "Compact %d", c)
	for _, from := range []int64{1, c - 3} {
		requireGoneWatch(t, s, p, from)
	}
	// A watch from the compacted revision itself misses nothing.
	w := startWatch(t, s, t.Context(), p, c)
	rev := create(t, s, key("t", "w", "after"), val("y"))
	equalEvents(t, []storage.Event{next(t, w)}, []storage.Event{{Type: storage.Added, Key: key("t", "w", "after"), Value: val("y"), Revision: rev}}, "watch from the compacted revision")
}

func testWatchStop(t *testing.T, s storage.Interface) {
	w := startWatch(t, s, t.Context(), prefix("t", "w"), 0)
	create(t, s, key("t", "w", "a"), val("x"))
	w.Stop()
	drainClosed(t, w)
	w.Stop() // a second Stop is harmless
	// Writes after Stop neither block nor panic.
	for i := range 100 {
		create(t, s, key("t", "w", fmt.Sprint(i)), val("x"))
	}
	// Other watchers are unaffected.
	w2 := startWatch(t, s, t.Context(), prefix("t", "w"), 0)
	rev := put(t, s, key("t", "w", "a"), val("y")).Revision
	check(t, next(t, w2).Revision == rev, "a watch started after another's Stop missed revision %d", rev)
}

func testWatchContextCancel(t *testing.T, s storage.Interface) {
	ctx, cancel := context.WithCancel(t.Context())
	w := startWatch(t, s, ctx, prefix("t", "w"), 0)
	rev := create(t, s, key("t", "w", "a"), val("x"))
	check(t, next(t, w).Revision == rev, "watch missed revision %d", rev)
	cancel()
	drainClosed(t, w)
	create(t, s, key("t", "w", "b"), val("x"))

	// A watch started on a cancelled context ends at once.
	w2, err := s.Watch(ctx, prefix("t", "w"), 0)
	if err == nil {
		drainClosed(t, w2)
		w2.Stop()
	}
}

func testClose(t *testing.T, s storage.Interface) {
	k := key("t", "default", "a")
	create(t, s, k, val("x"))
	w := startWatch(t, s, t.Context(), prefix("t", ""), 0)
	ok(t, s.Close(), "Close")
	// An open watch ends with the store (possibly after an Error event).
	for _, ev := range drainClosed(t, w) {
		check(t, ev.Type == storage.Error, "watch delivered %s %s after Close", ev.Type, ev.Key)
	}
	ctx := t.Context()
	ops := []struct {
		name string
		do   func() error
	}{
		{"Create", func() error { _, err := s.Create(ctx, key("t", "default", "b"), val("x")); return err }},
		{"Get", func() error { _, err := s.Get(ctx, k); return err }},
		{"List", func() error { _, err := s.List(ctx, prefix("t", ""), storage.ListOptions{}); return err }},
		{"Update", func() error {
			_, err := s.Update(ctx, k, func(storage.KeyValue) ([]byte, error) { return val("y"), nil })
			return err
		}},
		{"Delete", func() error { _, err := s.Delete(ctx, k, nil); return err }},
		{"Txn", func() error {
			_, err := s.Txn(ctx, []storage.Op{{Type: storage.OpCreate, Key: key("t", "default", "c"), Value: val("x")}})
			return err
		}},
		{"Count", func() error { _, err := s.Count(ctx, prefix("t", "")); return err }},
		{"CurrentRevision", func() error { _, err := s.CurrentRevision(ctx); return err }},
		{"Compact", func() error { return s.Compact(ctx, 1) }},
		{"Watch", func() error {
			w, err := s.Watch(ctx, prefix("t", ""), 0)
			if err != nil {
				return err
			}
			// A Watcher returned after Close must end at once with an error.
			evs := drainClosed(t, w)
			w.Stop()
			if len(evs) > 0 && evs[0].Type == storage.Error {
				return evs[0].Err
			}
			return nil
		}},
	}
	for _, op := range ops {
		fails(t, op.do(), anyError, "%s after Close", op.name)
	}
}

func testWatchFailedWrites(t *testing.T, s storage.Interface) {
	a, b := key("t", "w", "a"), key("t", "w", "b")
	arev := create(t, s, a, val("a1"))
	create(t, s, b, val("b1"))
	w := startWatch(t, s, t.Context(), prefix("t", "w"), 0)
	huge := bytes.Repeat([]byte("x"), storage.MaxValueSize+1)
	failing := []struct {
		name string
		do   func() error
	}{
		{"duplicate Create", func() error { _, err := s.Create(t.Context(), a, val("dup")); return err }},
		{"too large Create", func() error { _, err := s.Create(t.Context(), key("t", "w", "c"), huge); return err }},
		{"Update with a failing callback", func() error {
			_, err := s.Update(t.Context(), a, func(storage.KeyValue) ([]byte, error) { return nil, errSentinel })
			return err
		}},
		{"Delete with a failing precondition", func() error {
			_, err := s.Delete(t.Context(), a, func(storage.KeyValue) error { return errSentinel })
			return err
		}},
		{"Txn with a stale op", func() error {
			_, err := s.Txn(t.Context(), []storage.Op{
				{Type: storage.OpCreate, Key: key("t", "w", "c"), Value: val("c")},
				{Type: storage.OpDelete, Key: b},
				{Type: storage.OpPut, Key: a, Value: val("a2"), ExpectedRevision: arev + 1},
			})
			return err
		}},
	}
	for _, f := range failing {
		fails(t, f.do(), anyError, "%s", f.name)
	}
	// Had any failed write emitted an event, it would arrive before this one.
	rev := create(t, s, key("t", "w", "sentinel"), val("s"))
	equalEvents(t, []storage.Event{next(t, w)}, []storage.Event{{Type: storage.Added, Key: key("t", "w", "sentinel"), Value: val("s"), Revision: rev}}, "first event after failed writes")
}

// testListThenWatch is the informer pattern: a paginated List, with writes
// landing between its pages, then a Watch from the List's revision that
// must deliver exactly those writes.
func testListThenWatch(t *testing.T, s storage.Interface) {
	p := prefix("t", "w")
	for i := range 6 {
		create(t, s, key("t", "w", fmt.Sprint(i)), val("v0"))
	}
	var want []storage.Event
	between := func(page int) {
		k := key("t", "w", fmt.Sprint(page))
		kv := put(t, s, k, val(fmt.Sprintf("v%d", page)))
		want = append(want, storage.Event{Type: storage.Modified, Key: k, Value: kv.Value, PrevValue: val("v0"), Revision: kv.Revision})
		nk := key("t", "w", fmt.Sprintf("new-%d", page))
		want = append(want, storage.Event{Type: storage.Added, Key: nk, Value: val("n"), Revision: create(t, s, nk, val("n"))})
	}
	pages := listPages(t, s, p, 2, between)
	check(t, len(pages) == 3, "6 items paged by 2 gave %d pages", len(pages))
	w := startWatch(t, s, t.Context(), p, pages[0].Revision)
	equalEvents(t, nextN(t, w, len(want)), want, fmt.Sprintf("watch from the list revision %d", pages[0].Revision))
}
