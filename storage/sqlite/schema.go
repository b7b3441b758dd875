package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
)

// migrations[i] brings a file from schema version i to i+1 inside one
// write transaction; the current version is len(migrations). A new schema
// version appends a migration and never edits an old one, so every file
// ever written upgrades in place.
var migrations = []func(ctx context.Context, c *sql.Conn) error{
	migrateV1,
	migrateV2,
	migrateV3,
	migrateV4,
	migrateV5,
}

// migrateV1 creates the first schema in an empty file.
func migrateV1(ctx context.Context, c *sql.Conn) error {
	for _, q := range []string{
		`CREATE TABLE meta (
			id INTEGER PRIMARY KEY CHECK (id = 1),
			schema_version INTEGER NOT NULL,
			compacted INTEGER NOT NULL DEFAULT 0
		)`,
		`INSERT INTO meta (id, schema_version, compacted) VALUES (1, 0, 0)`,
		// mod_id is the id of the log row that wrote the current value,
		// so a key's revision is mod_id>>16 and a change can point at the
		// row it supersedes.
		`CREATE TABLE kv (
			key TEXT PRIMARY KEY,
			value BLOB,
			mod_id INTEGER NOT NULL,
			create_revision INTEGER NOT NULL
		)`,
		// id is revision<<16 | op index (see doc.go); revision is
		// spelled out for people reading the file with the sqlite3 shell.
		// value is the value written (NULL for a deletion); prev_id
		// points at the row this change superseded (0 for a creation),
		// which is where a deletion's last value, a modification's
		// previous value and a list at a past revision find the older
		// state. ts (Unix milliseconds) drives time-based retention; the
		// small columns come first so that reading them skips the blob.
		`CREATE TABLE log (
			id INTEGER PRIMARY KEY,
			revision INTEGER GENERATED ALWAYS AS (id >> 16) VIRTUAL,
			key TEXT NOT NULL,
			type INTEGER NOT NULL,
			ts INTEGER NOT NULL,
			prev_id INTEGER NOT NULL,
			create_revision INTEGER NOT NULL,
			value BLOB
		)`,
		// Creations and modifications log themselves, so that a
		// single-key write is one autocommit statement, like a plain
		// upsert. Deletions are logged by the caller, which knows the
		// revision of the transaction.
		`CREATE TRIGGER kv_insert AFTER INSERT ON kv BEGIN
			INSERT INTO log (id, key, type, ts, prev_id, create_revision, value)
			VALUES (NEW.mod_id, NEW.key, 1, CAST(unixepoch('subsec') * 1000 AS INTEGER), 0, NEW.create_revision, NEW.value);
		END`,
		`CREATE TRIGGER kv_update AFTER UPDATE OF value, mod_id ON kv BEGIN
			INSERT INTO log (id, key, type, ts, prev_id, create_revision, value)
			VALUES (NEW.mod_id, NEW.key, 2, CAST(unixepoch('subsec') * 1000 AS INTEGER), OLD.mod_id, NEW.create_revision, NEW.value);
		END`,
	} {
		if _, err := c.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// migrateV2 stores each value once. In version 1, kv held a copy of the
// value its log row already holds, so that every write put the value in
// two B-trees: an update changed two 1 KiB cells and, with kv's 3-4 rows
// per page, spread its writes over a kv B-tree a third the size of the
// data. kv now maps a key to its log row only (WITHOUT ROWID: one small
// B-tree, one descent per lookup), and writes are inserts into log whose
// triggers keep kv in step, so that a single-key write is still one
// autocommit statement.
func migrateV2(ctx context.Context, c *sql.Conn) error {
	for _, q := range []string{
		`DROP TRIGGER kv_insert`,
		`DROP TRIGGER kv_update`,
		// kv's copy is the current state in version 1 (reads came from
		// it). Its log row holds the same bytes unless the file was
		// edited by hand; make sure it does, since reads now come from
		// there.
		`INSERT INTO log (id, key, type, ts, prev_id, create_revision, value)
			SELECT mod_id, key, CASE WHEN mod_id >> 16 = create_revision THEN 1 ELSE 2 END,
				CAST(unixepoch('subsec') * 1000 AS INTEGER), 0, create_revision, value
			FROM kv WHERE true
			ON CONFLICT (id) DO UPDATE SET value = excluded.value WHERE value IS NOT excluded.value`,
		`CREATE TABLE kv2 (
			key TEXT PRIMARY KEY,
			mod_id INTEGER NOT NULL,
			create_revision INTEGER NOT NULL
		) WITHOUT ROWID`,
		`INSERT INTO kv2 (key, mod_id, create_revision) SELECT key, mod_id, create_revision FROM kv`,
		`DROP TABLE kv`,
		`ALTER TABLE kv2 RENAME TO kv`,
		// Every write is an insert into log of the new row alone
		// (INSERT ... VALUES: an INSERT ... SELECT on a table with
		// triggers copies its row through a temporary table). The first
		// trigger checks the write's precondition against kv, and
		// aborts the statement with errStaleMsg when it fails: a
		// creation needs the key absent, a change needs kv to point at
		// the row the change supersedes (prev_id). The others keep kv
		// pointing at each live key's latest row.
		`CREATE TRIGGER log_check BEFORE INSERT ON log BEGIN
			SELECT RAISE(ABORT, '` + errStaleMsg + `') WHERE CASE NEW.type
				WHEN 1 THEN EXISTS (SELECT 1 FROM kv WHERE key = NEW.key)
				ELSE NOT EXISTS (SELECT 1 FROM kv WHERE key = NEW.key AND mod_id = NEW.prev_id) END;
		END`,
		`CREATE TRIGGER log_added AFTER INSERT ON log WHEN NEW.type = 1 BEGIN
			INSERT INTO kv (key, mod_id, create_revision) VALUES (NEW.key, NEW.id, NEW.create_revision);
		END`,
		`CREATE TRIGGER log_modified AFTER INSERT ON log WHEN NEW.type = 2 BEGIN
			UPDATE kv SET mod_id = NEW.id WHERE key = NEW.key;
		END`,
		`CREATE TRIGGER log_deleted AFTER INSERT ON log WHEN NEW.type = 3 BEGIN
			DELETE FROM kv WHERE key = NEW.key;
		END`,
	} {
		if _, err := c.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// migrateV3 adds log.sum, the checksum of each row's key and value
// (valueSum; see checksum.go), and computes it for the rows already
// there, a batch at a time (SQLite has no CRC-32C of its own).
func migrateV3(ctx context.Context, c *sql.Conn) error {
	if _, err := c.ExecContext(ctx, `ALTER TABLE log ADD COLUMN sum INTEGER`); err != nil {
		return err
	}
	set, err := c.PrepareContext(ctx, `UPDATE log SET sum = ?2 WHERE id = ?1`)
	if err != nil {
		return err
	}
	defer func() { _ = set.Close() }()
	type row struct {
		id  int64
		sum int64
	}
	for after := int64(-1); ; {
		var batch []row
		err := each(ctx, c, `SELECT id, key, value FROM log WHERE id > ?1 ORDER BY id LIMIT 1000`, []any{after},
			func(rows *sql.Rows) error {
				var id int64
				var key string
				var value []byte
				if err := rows.Scan(&id, &key, &value); err != nil {
					return err
				}
				batch = append(batch, row{id, valueSum(key, value)})
				return nil
			})
		if err != nil || len(batch) == 0 {
			return err
		}
		for _, r := range batch {
			if _, err := set.ExecContext(ctx, r.id, r.sum); err != nil {
				return err
			}
		}
		after = batch[len(batch)-1].id
	}
}

// migrateV4 adds meta.checked: when (Unix milliseconds) the file last
// passed PRAGMA quick_check before a write, so that the processes sharing
// it need not each pay for the check (see checkBeforeWrites).
func migrateV4(ctx context.Context, c *sql.Conn) error {
	_, err := c.ExecContext(ctx, `ALTER TABLE meta ADD COLUMN checked INTEGER NOT NULL DEFAULT 0`)
	return err
}

// labelsOf is the JSON text of a log row's metadata.labels when the row
// holds a JSON object whose labels are an object, else NULL (json_each
// of NULL is empty). The value is cast to text because a BLOB given to
// SQLite's JSON functions is read as JSONB; the nested CASEs keep
// json_type from ever seeing malformed JSON (an error that would abort
// the write): values are opaque bytes to the store, and not every one is
// JSON.
func labelsOf(row string) string {
	v := "CAST(" + row + ".value AS TEXT)"
	return `CASE WHEN json_valid(` + v + `) THEN CASE WHEN json_type(` + v + `, '$.metadata.labels') = 'object'
		THEN json_extract(` + v + `, '$.metadata.labels') END END`
}

// migrateV5 adds the label index (issue 13.2): labels holds, for every
// live key, one row per string label of its current value, keyed by
// label name, value and storage key, so that a List of key=value or
// key in (...) under a prefix is a range read of the matching keys
// instead of a scan of every value. A trigger on log keeps it, in the
// same transaction as the write that changes the key, whichever process
// writes: any k1s that can open the file (a v4 k1s refuses a v5 file,
// see schemaVersion; one that had the file open before the migration
// goes on writing through the same log, whose trigger now keeps the
// index too). A key's rows are replaced whole when a write changes its
// labels, and a deletion leaves none. The price is on writes that change
// labels, creations with labels above all: their rows go into the
// labels B-tree and its key index in the same commit (BENCHMARKS.md,
// "Label-selected list").
func migrateV5(ctx context.Context, c *sql.Conn) error {
	for _, q := range []string{
		`CREATE TABLE labels (
			name TEXT NOT NULL,
			value TEXT NOT NULL,
			key TEXT NOT NULL,
			PRIMARY KEY (name, value, key)
		) WITHOUT ROWID`,
		`CREATE INDEX labels_key ON labels (key)`,
		// OR IGNORE: a value whose labels object repeats a name (no k1s
		// writes one) indexes each name/value pair once.
		// It fires only when the labels change: a deletion, or a value
		// whose labels object differs from the one it supersedes
		// (json_extract gives both minified; k1s writes labels in
		// sorted key order). Most writes (status, spec) keep the labels
		// and so write nothing here; a creation without labels neither.
		`CREATE TRIGGER log_labels AFTER INSERT ON log
		WHEN NEW.type = 3 OR (` + labelsOf("NEW") + `) IS NOT (SELECT ` + labelsOf("p") + ` FROM log p WHERE p.id = NEW.prev_id)
		BEGIN
			DELETE FROM labels WHERE key = NEW.key AND NEW.type != 1;
			INSERT OR IGNORE INTO labels (name, value, key)
				SELECT j.key, j.value, NEW.key FROM json_each(` + labelsOf("NEW") + `) j
				WHERE NEW.type != 3 AND j.type = 'text';
		END`,
		`INSERT OR IGNORE INTO labels (name, value, key)
			SELECT j.key, j.value, k.key FROM kv k JOIN log l ON l.id = k.mod_id, json_each(` + labelsOf("l") + `) j
			WHERE j.type = 'text'`,
	} {
		if _, err := c.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// errNewerSchema is wrapped by the error Open returns for a file written by
// a newer k1s.
var errNewerSchema = errors.New("schema version is newer than this k1s supports")

// schemaVersion reads the file's schema version (0 for an empty file) and
// refuses files this k1s cannot use: another application's database, a
// version that is not a number or below 1 (no k1s writes one), or one
// newer than this k1s knows. It only reads, so a refused file is left as
// it was.
func schemaVersion(ctx context.Context, c *sql.Conn, path string) (int, error) {
	var tables, hasMeta int
	if err := c.QueryRowContext(ctx,
		`SELECT count(*), count(*) FILTER (WHERE name = 'meta') FROM sqlite_master WHERE type = 'table'`).Scan(&tables, &hasMeta); err != nil {
		return 0, err
	}
	if tables == 0 {
		return 0, nil
	}
	if hasMeta == 0 {
		return 0, errors.New("the file is a SQLite database but not a k1s store (it has no meta table)")
	}
	// Read it as text, so that whatever is there can be named.
	var raw sql.NullString
	err := c.QueryRowContext(ctx, `SELECT CAST(schema_version AS TEXT) FROM meta WHERE id = 1`).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !raw.Valid) {
		return 0, fmt.Errorf("the file %s has a meta table but no schema version in it: it was not written by k1s, or was edited", path)
	}
	if err != nil {
		return 0, fmt.Errorf("reading the schema version: %w", err)
	}
	version, err := strconv.Atoi(raw.String)
	if err != nil {
		return 0, fmt.Errorf("the file %s has schema version %q, which is not a number: it was not written by k1s, or was edited", path, raw.String)
	}
	// Version 0 exists only inside the transaction that creates the
	// schema (migrateV1 writes it and migrate replaces it before the
	// commit), so no other process ever sees it.
	if version < 1 {
		return 0, fmt.Errorf("the file %s has schema version %d, which no k1s writes (versions start at 1): it was not written by k1s, or was edited", path, version)
	}
	if version > len(migrations) {
		return 0, fmt.Errorf("%w: the file %s has schema version %d, this k1s knows versions up to %d; upgrade k1s to open it",
			errNewerSchema, path, version, len(migrations))
	}
	return version, nil
}

// migrate upgrades an older schema. It runs in a write transaction and
// reads the version again there, so that processes opening a new file at
// the same time create the schema once.
func migrate(ctx context.Context, c *sql.Conn, path string) (err error) {
	if _, err := c.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_, _ = c.ExecContext(context.Background(), "ROLLBACK")
		}
	}()
	version, err := schemaVersion(ctx, c, path)
	if err != nil {
		return err
	}
	for v := version; v < len(migrations); v++ {
		if err := migrations[v](ctx, c); err != nil {
			return fmt.Errorf("migrating schema version %d to %d: %w", v, v+1, err)
		}
	}
	if _, err := c.ExecContext(ctx, `UPDATE meta SET schema_version = ? WHERE id = 1`, len(migrations)); err != nil {
		return err
	}
	_, err = c.ExecContext(ctx, "COMMIT")
	return err
}
