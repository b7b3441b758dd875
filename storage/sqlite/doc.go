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
// the schema version and the compacted revision.
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
// sooner when fsnotify reports a change to the -wal file.
package sqlite
