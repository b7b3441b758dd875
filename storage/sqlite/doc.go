// Package sqlite is the embedded default storage backend: one SQLite file
// (modernc.org/sqlite, pure Go) in WAL mode that several processes may use
// at once.
//
// The file holds three tables. log is the change log: one row per change,
// holding the value written (NULL for a deletion); watches, lists at past
// revisions and consistent pagination read it. kv is the current state,
// so that reads never scan history, but it holds no values: it maps each
// live key to the log row that wrote its current value (and the key's
// creation revision), and reads join the two. Each value is thus stored
// once, and an update writes one log row and a small kv row. Every write
// is one insert into log whose triggers keep kv in step, so a single-key
// write is one autocommit statement, like a plain upsert. meta records
// the schema version (3) and the compacted revision.
//
// A log row's id packs the store revision and the index of the operation
// within that revision (revision<<16 | op), so one B-tree ordered by
// revision serves every log read with no secondary index, and the store's
// current revision is max(id)>>16. Each row points (prev_id) at the row
// it superseded, which is where the older state comes from; compaction
// therefore deletes superseded rows and deletions, and keeps each live
// key's latest row, the one kv points at.
//
// Writers in one process share one connection behind a mutex; writers in
// different processes queue on SQLite's write lock (busy_timeout, and BEGIN
// IMMEDIATE for multi-statement transactions). Readers use a small pool of
// connections and, in WAL mode, never wait for writers. Watchers are woken
// at once by writes in this process and, for writes by other processes, by
// a poller that checks PRAGMA data_version every few milliseconds and
// sooner when fsnotify reports a change to the -wal file. The poller also
// checks that the path still names the file the store opened: a watch on
// a file that was removed or replaced ends with an Error event saying so.
//
// What the store relies on, and checks, about the file:
//
//   - SQLite's own locking and recovery. Open checks only that a
//     non-empty file starts with SQLite's header; everything else (a
//     truncated file, a damaged page, a header that disagrees with the
//     file's size) is left to SQLite, which judges it under its locks
//     and with the WAL. Comparing sizes from outside raced with other
//     processes' checkpoints and refused healthy files (see checkHeader).
//   - A CRC-32C of each log row's key and value (log.sum), checked by
//     every read of a value: SQLite has no page checksums, so a damaged
//     page could otherwise change a value with no error. A value that
//     fails it is an error naming the object and the file.
//   - PRAGMA quick_check once before a store's first write: a damaged
//     file refuses writes as well as the reads that meet the damage.
//   - Transient SQLite errors (busy, locked, WAL-index races) are retried
//     until the busy timeout; others are described in terms of the file,
//     the disk or the directory (see describe), naming the path.
//
// Update and Delete may start from the state this process last wrote or
// read for the key; a state another process has since changed costs one
// retry and never decides an outcome (see recent).
package sqlite
