package sqlite

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/k1s-dev/k1s/storage"
)

// Get reads a key's current value.
func (s *Store) Get(ctx context.Context, key string) (storage.KeyValue, error) {
	if s.closed.Load() {
		return storage.KeyValue{}, s.errClosed()
	}
	// A point lookup takes microseconds: it checks ctx first rather than
	// passing it down, which would cost the driver a goroutine per call.
	if err := ctx.Err(); err != nil {
		return storage.KeyValue{}, err
	}
	kv := storage.KeyValue{Key: key}
	var modID int64
	var err error
	b := s.backoff()
	for {
		err = s.getRow(key, &kv, &modID)
		if !b.again(ctx, err) {
			break
		}
	}
	if errors.Is(err, sql.ErrNoRows) {
		return storage.KeyValue{}, storage.NewNotFound(key)
	}
	if err != nil {
		return storage.KeyValue{}, s.readErr(ctx, err)
	}
	return kv, nil
}

// getRow reads key's current row into kv and modID.
func (s *Store) getRow(key string, kv *storage.KeyValue, modID *int64) error {
	// The writer connection's page cache is the warm one: a connection
	// drops its cache whenever another connection committed, so after our
	// own writes the readers start cold. Use it when no writer needs it.
	if s.wmu.TryLock() {
		defer s.wmu.Unlock()
		if s.closed.Load() {
			return s.errClosed()
		}
		return scanGet(s.ws.get, kv, modID)
	}
	return scanGet(s.rget, kv, modID)
}

// scanGet runs get (sqlGet) for kv.Key, checks the row it reads and sets
// kv.Revision. The check column is scanned into kv.Revision until then: a
// variable of its own would escape to the heap, an allocation per read.
func scanGet(get *sql.Stmt, kv *storage.KeyValue, modID *int64) error {
	if err := get.QueryRow(kv.Key).Scan(&kv.Value, modID, &kv.CreateRevision, &kv.Revision); err != nil {
		return err
	}
	chk := kv.Revision
	kv.Revision = *modID >> opBits
	return checkRow(kv.Key, chk, kv.Value, kv.Revision)
}

func (s *Store) readErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if s.closed.Load() {
		return s.errClosed()
	}
	return s.internal(err)
}

// prefixEnd returns the smallest string greater than every string that
// starts with prefix, or "" when there is none.
func prefixEnd(prefix string) string {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return ""
}

// keyRange renders "key is under prefix and after from" as SQL on column
// col with the bounds as arguments, starting at argument number n.
func keyRange(col, from, prefix string, n int) (string, []any) {
	end := prefixEnd(prefix)
	if end == "" {
		return fmt.Sprintf("%s >= ?%d", col, n), []any{from}
	}
	return fmt.Sprintf("%s >= ?%d AND %s < ?%d", col, n, col, n+1), []any{from, end}
}

// Count returns the number of keys under prefix.
func (s *Store) Count(ctx context.Context, prefix string) (int64, error) {
	if s.closed.Load() {
		return 0, s.errClosed()
	}
	where, args := keyRange("key", prefix, prefix, 1)
	var n int64
	var err error
	b := s.backoff()
	for {
		err = s.rdb.QueryRowContext(ctx, "SELECT count(*) FROM kv WHERE "+where, args...).Scan(&n)
		if !b.again(ctx, err) {
			break
		}
	}
	if err != nil {
		return 0, s.readErr(ctx, err)
	}
	return n, nil
}

// CurrentRevision returns the store's latest revision.
func (s *Store) CurrentRevision(ctx context.Context) (int64, error) {
	cur, _, err := s.revisions(ctx)
	return cur, err
}

// revisions reads the current and the compacted revision in one snapshot.
func (s *Store) revisions(ctx context.Context) (cur, compacted int64, err error) {
	if s.closed.Load() {
		return 0, 0, s.errClosed()
	}
	var id int64
	b := s.backoff()
	for {
		id, compacted, err = heads(ctx, s.rdb)
		if !b.again(ctx, err) {
			break
		}
	}
	if err != nil {
		return 0, 0, s.readErr(ctx, err)
	}
	return id >> opBits, compacted, nil
}

// continueToken is what ListResult.Continue carries: the revision of the
// first page and the last key returned, as base64 of "revision:key" (the
// key's bytes as they are, which JSON would not keep for invalid UTF-8).
type continueToken struct {
	Revision int64
	After    string
}

func encodeContinue(rev int64, after string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(rev, 10) + ":" + after))
}

func decodeContinue(token, prefix string) (continueToken, error) {
	var t continueToken
	b, err := base64.RawURLEncoding.DecodeString(token)
	rev, after, ok := strings.Cut(string(b), ":")
	if err == nil && ok {
		t.Revision, err = strconv.ParseInt(rev, 10, 64)
		t.After = after
	}
	if err != nil || !ok || t.Revision <= 0 {
		return t, apierrors.NewBadRequest(fmt.Sprintf("invalid continue token %q", token))
	}
	if !strings.HasPrefix(t.After, prefix) {
		return t, apierrors.NewBadRequest(fmt.Sprintf("continue token %q is for key %q, outside the listed prefix %q", token, t.After, prefix))
	}
	return t, nil
}

// List reads the keys under prefix in key order at the current revision or
// at opts.Revision, one page of opts.Limit keys at a time. Keys changed
// after the read revision are reconstructed from the log, so pages stay
// consistent while writes continue.
func (s *Store) List(ctx context.Context, prefix string, opts storage.ListOptions) (storage.ListResult, error) {
	if s.closed.Load() {
		return storage.ListResult{}, s.errClosed()
	}
	if opts.Limit < 0 {
		return storage.ListResult{}, apierrors.NewBadRequest(fmt.Sprintf("invalid limit %d", opts.Limit))
	}
	from, rev := prefix, opts.Revision
	if opts.Continue != "" {
		t, err := decodeContinue(opts.Continue, prefix)
		if err != nil {
			return storage.ListResult{}, err
		}
		// "\x00" makes the bound exclusive: it is the smallest string after.
		from, rev = t.After+"\x00", t.Revision
	}
	var res storage.ListResult
	var err error
	b := s.backoff()
	for {
		res, err = s.listTx(ctx, prefix, from, rev, opts.Limit, opts.Labels)
		if !b.again(ctx, err) {
			break
		}
	}
	if err != nil {
		return storage.ListResult{}, s.readErr(ctx, err)
	}
	return res, nil
}

// listTx reads a List in one read transaction.
func (s *Store) listTx(ctx context.Context, prefix, from string, rev, limit int64, labels []storage.LabelRequirement) (storage.ListResult, error) {
	tx, err := s.rdb.BeginTx(ctx, nil)
	if err != nil {
		return storage.ListResult{}, err
	}
	defer func() { _ = tx.Rollback() }() // a read transaction has nothing to commit
	return s.list(ctx, tx, prefix, from, rev, limit, labels)
}

// pastState is a key's state at the read revision, when it changed after.
type pastState struct {
	kv        storage.KeyValue
	existed   bool // the key existed at the read revision
	existsNow bool // the key exists now
}

// list reads a page. With label requirements, the keys unchanged since
// the read revision come from the label index (their labels now are
// their labels then), and those changed since, whose state at the
// revision is an older log row, are matched by reading that row's
// labels: so a list at any revision is answered exactly.
func (s *Store) list(ctx context.Context, tx *sql.Tx, prefix, from string, rev, limit int64, labels []storage.LabelRequirement) (storage.ListResult, error) {
	maxID, compacted, err := heads(ctx, tx)
	if err != nil {
		return storage.ListResult{}, err
	}
	cur := maxID >> opBits
	switch {
	case rev == 0:
		rev = cur
	case rev < compacted:
		return storage.ListResult{}, storage.NewGone(rev, compacted)
	case rev > cur:
		return storage.ListResult{}, apierrors.NewTimeoutError(fmt.Sprintf(
			"too large resource version: %d, current: %d", rev, cur), 1)
	}

	past, err := pastStates(ctx, tx, prefix, from, rev, cur)
	if err != nil {
		return storage.ListResult{}, err
	}
	var older []storage.KeyValue // keys changed since rev that existed at rev, in key order
	for _, p := range past {
		if p.existed && storage.MatchLabels(labels, p.kv.Value) {
			older = append(older, p.kv)
		}
	}
	sort.Slice(older, func(i, j int) bool { return older[i].Key < older[j].Key })

	// Current rows, skipping those changed after rev; enough of them to
	// fill the page even if every changed key is skipped.
	where, args := keyRange("k.key", from, prefix, 1)
	where, args = labelsWhere(where, args, prefix, from, labels)
	q := `SELECT k.key, l.value, k.mod_id, k.create_revision, ` + getCheck + ` FROM kv k LEFT JOIN log l ON l.id = k.mod_id
		WHERE ` + where + ` ORDER BY k.key`
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit+1+int64(len(past)))
	}
	var items []storage.KeyValue
	full := func() bool { return limit > 0 && int64(len(items)) > limit }
	err = each(ctx, tx, q, args, func(rows *sql.Rows) error {
		if full() {
			return errDone
		}
		var kv storage.KeyValue
		var modID, chk int64
		if err := rows.Scan(&kv.Key, &kv.Value, &modID, &kv.CreateRevision, &chk); err != nil {
			return err
		}
		kv.Revision = modID >> opBits
		if _, changed := past[kv.Key]; changed {
			return nil
		}
		if err := checkRow(kv.Key, chk, kv.Value, kv.Revision); err != nil {
			return err
		}
		for len(older) > 0 && older[0].Key < kv.Key && !full() {
			items, older = append(items, older[0]), older[1:]
		}
		if !full() {
			items = append(items, kv)
		}
		return nil
	})
	if err != nil {
		return storage.ListResult{}, err
	}
	for len(older) > 0 && !full() {
		items, older = append(items, older[0]), older[1:]
	}

	res := storage.ListResult{Items: items, Revision: rev}
	if len(labels) > 0 {
		// No RemainingItemCount for a selected list (as the API server).
		if full() {
			res.Items = items[:limit]
			res.Continue = encodeContinue(rev, res.Items[limit-1].Key)
		}
		return res, nil
	}
	if !full() {
		// Known exactly: nothing remains.
		res.RemainingItemCount = new(int64)
		return res, nil
	}
	res.Items = items[:limit]
	last := res.Items[limit-1].Key
	res.Continue = encodeContinue(rev, last)
	remaining, err := s.remaining(ctx, tx, prefix, last, past)
	if err != nil {
		return storage.ListResult{}, err
	}
	res.RemainingItemCount = &remaining
	return res, nil
}

// pastStates reads the keys under prefix (from from on) changed after
// rev: their state at rev comes from the first log row after rev (its
// prev_* columns).
func pastStates(ctx context.Context, tx *sql.Tx, prefix, from string, rev, cur int64) (map[string]*pastState, error) {
	past := map[string]*pastState{}
	if rev < cur {
		where, args := keyRange("l.key", from, prefix, 2)
		err := each(ctx, tx, `SELECT l.key, l.type, p.value, l.prev_id, l.create_revision, `+rowCheck("p")+`
			FROM log l LEFT JOIN log p ON p.id = l.prev_id
			WHERE l.id > ?1 AND `+where+` ORDER BY l.id`,
			append([]any{rev<<opBits | opMask}, args...), func(rows *sql.Rows) error {
				var key string
				var typ int
				var prev []byte
				var prevID, createRev, chk int64
				if err := rows.Scan(&key, &typ, &prev, &prevID, &createRev, &chk); err != nil {
					return err
				}
				p, ok := past[key]
				if !ok {
					p = &pastState{existed: typ != logAdded}
					if p.existed {
						if err := checkRow(key, chk, prev, prevID>>opBits); err != nil {
							return err
						}
						p.kv = storage.KeyValue{Key: key, Value: nonNil(prev), Revision: prevID >> opBits, CreateRevision: createRev}
					}
					past[key] = p
				}
				p.existsNow = typ != logDeleted
				return nil
			})
		if err != nil {
			return nil, err
		}
	}
	return past, nil
}

// labelsWhere adds one IN per label requirement to a kv query's where:
// SQLite reads each as ranges of the labels primary key (name, value,
// key) into a sorted set of keys, and walks kv by those keys only.
func labelsWhere(where string, args []any, prefix, from string, labels []storage.LabelRequirement) (string, []any) {
	for _, r := range labels {
		args = append(args, r.Key)
		name := len(args)
		kr, kargs := keyRange("key", from, prefix, len(args)+1)
		args = append(args, kargs...)
		in := make([]string, len(r.Values))
		for i, v := range r.Values {
			args = append(args, v)
			in[i] = fmt.Sprintf("?%d", len(args))
		}
		where += fmt.Sprintf(" AND k.key IN (SELECT key FROM labels WHERE name = ?%d AND value IN (%s) AND %s)", name, strings.Join(in, ", "), kr)
	}
	return where, args
}

// remaining counts the keys under prefix after last as of the read
// revision: the current count, corrected for keys changed since.
func (s *Store) remaining(ctx context.Context, tx *sql.Tx, prefix, last string, past map[string]*pastState) (int64, error) {
	where, args := keyRange("key", last+"\x00", prefix, 1)
	var n int64
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM kv WHERE `+where, args...).Scan(&n); err != nil {
		return 0, err
	}
	for key, p := range past {
		if key <= last {
			continue
		}
		if p.existsNow {
			n--
		}
		if p.existed {
			n++
		}
	}
	return n, nil
}

// queryer is what a *sql.DB, *sql.Conn and *sql.Tx all offer.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// heads reads the newest log id (0 in a new store) and the compacted
// revision in one statement, so in one snapshot.
func heads(ctx context.Context, q queryer) (maxID, compacted int64, err error) {
	err = q.QueryRowContext(ctx,
		`SELECT coalesce((SELECT max(id) FROM log), 0), compacted FROM meta WHERE id = 1`).Scan(&maxID, &compacted)
	return maxID, compacted, err
}

// errDone stops each early without an error.
var errDone = errors.New("done")

// each calls fn for every row query returns, until fn returns errDone.
func each(ctx context.Context, q queryer, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer func() { _ = rows.Close() }() // rows.Err below reports what matters
	for rows.Next() {
		if err := fn(rows); err != nil {
			if errors.Is(err, errDone) {
				return nil
			}
			return err
		}
	}
	return rows.Err()
}
