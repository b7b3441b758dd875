package sqlite

import "time"

// Sync is the durability level of a commit (PRAGMA synchronous).
type Sync int

const (
	// SyncNormal syncs the WAL only at checkpoints: a committed write
	// survives a process crash; a power loss may drop the last commits.
	SyncNormal Sync = iota
	// SyncFull syncs the WAL at every commit: a committed write survives a
	// power loss too, at the cost of one fsync per write.
	SyncFull
)

func (s Sync) pragma() string {
	if s == SyncFull {
		return "FULL"
	}
	return "NORMAL"
}

// Defaults of the options below.
const (
	// DefaultBusyTimeout is how long a writer waits for another process.
	DefaultBusyTimeout = 5 * time.Second
	// DefaultRetainRevisions is how many revisions compaction always keeps.
	DefaultRetainRevisions = 1000
	// DefaultRetainFor is how old a revision must be before compaction
	// may drop it.
	DefaultRetainFor = 5 * time.Minute
	// DefaultIntegrityCheckEvery is how long a passed integrity check of
	// a file spares the writers after it theirs.
	DefaultIntegrityCheckEvery = time.Hour
	// DefaultPollInterval is how often watchers look for other processes'
	// writes when no file notification comes.
	DefaultPollInterval = 10 * time.Millisecond
)

const (
	defaultReaders    = 4    // connections in the reader pool
	compactCheckEvery = 128  // revisions between two automatic compaction checks
	compactChunk      = 1024 // revisions deleted per compaction transaction
	autoCompactChunks = 4    // compaction transactions per automatic check
	// A log id is revision<<opBits | op index, so a Txn holds at most
	// maxOpsPerTxn operations.
	opBits             = 16
	opMask       int64 = 1<<opBits - 1
	maxOpsPerTxn       = 1 << opBits
)

type config struct {
	sync            Sync
	busyTimeout     time.Duration
	retainRevisions int64
	retainFor       time.Duration
	pollInterval    time.Duration
	readers         int
	// checkEvery is how long a passed integrity check of the file stands
	// (see IntegrityCheckEvery); 0 checks before every store's first write.
	checkEvery time.Duration
	// walAutocheckpoint, when not 0, sets PRAGMA wal_autocheckpoint (in
	// pages; SQLite's default is 1000). Tests lower it to make
	// checkpoints frequent.
	walAutocheckpoint int
}

func defaultConfig() config {
	return config{
		sync:            SyncNormal,
		busyTimeout:     DefaultBusyTimeout,
		retainRevisions: DefaultRetainRevisions,
		retainFor:       DefaultRetainFor,
		pollInterval:    DefaultPollInterval,
		readers:         defaultReaders,
		checkEvery:      DefaultIntegrityCheckEvery,
	}
}

// Option changes how Open sets up a store.
type Option func(*config)

// Synchronous sets the durability of commits; SyncNormal is the default.
func Synchronous(s Sync) Option {
	return func(c *config) { c.sync = s }
}

// BusyTimeout sets how long a writer waits for another process's write
// transaction to end before failing; the default is DefaultBusyTimeout.
func BusyTimeout(d time.Duration) Option {
	return func(c *config) { c.busyTimeout = d }
}

// Retention sets how much change history automatic compaction keeps: at
// least the last revisions revisions and, on top of that, every revision
// younger than window. Watchers and paginated lists that fall further
// behind get 410 Gone. The defaults are DefaultRetainRevisions and
// DefaultRetainFor; a window of 0 keeps the revision count only.
func Retention(revisions int64, window time.Duration) Option {
	return func(c *config) {
		c.retainRevisions = max(revisions, 1)
		c.retainFor = max(window, 0)
	}
}

// PollInterval sets how often watchers check the file for writes made by
// other processes when no file-change notification arrives; the default is
// DefaultPollInterval.
func PollInterval(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.pollInterval = d
		}
	}
}

// IntegrityCheckEvery sets how often the file's structure is checked
// (PRAGMA quick_check, which reads every page) before writes: a store runs
// the check before its first write unless the file passed one less than d
// ago, as recorded in the file by whichever process ran it. A file found
// damaged refuses every write of that store. The default is
// DefaultIntegrityCheckEvery; 0 checks before every store's first write,
// whatever the file records.
//
// The check costs about 4 µs per stored object of 1 KiB, which would
// double the CPU of a one-shot write to a store of 10,000 objects if each
// command paid it. Values are checked on every read regardless (checksums),
// and SQLite reports damage on any page a statement reads; what the
// interval leaves unseen for up to d is damage elsewhere in the file.
func IntegrityCheckEvery(d time.Duration) Option {
	return func(c *config) { c.checkEvery = max(d, 0) }
}
