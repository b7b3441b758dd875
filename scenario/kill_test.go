package scenario

import (
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the driver k1s uses, to check the file itself
)

// TestKilledWritersLeaveWholeObjects kills one-shot `k1s apply` commands
// at random points while others write the same objects to completion.
// Afterwards the file passes SQLite's integrity check, every object is
// either absent or whole (all the data its manifests give it), every
// object a command acknowledged is there, and every command works.
func TestKilledWritersLeaveWholeObjects(t *testing.T) {
	w := newWorld(t)
	manifest := func(gen int) string {
		var b strings.Builder
		for i := range 6 {
			fmt.Fprintf(&b, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-%d}\ndata:\n", i)
			for k := range 20 {
				fmt.Fprintf(&b, "  k%d: gen-%d-%s\n", k, gen, strings.Repeat("x", 200))
			}
			b.WriteString("---\n")
		}
		return b.String()
	}
	// Created once first: the streams race on writes, not on the create
	// of a new object (which kubectl's apply does not retry either).
	if r := w.apply(false, manifest(-1)); r.code != 0 {
		t.Fatalf("%s", r)
	}
	var wg sync.WaitGroup
	for s := range 2 {
		wg.Go(func() {
			for n := range 15 {
				gen := s*100 + n
				if n%3 == 0 {
					r := w.apply(false, manifest(gen))
					if r.code != 0 {
						t.Errorf("%s", r)
					}
					continue
				}
				w.killed(false, manifest(gen), 120*time.Millisecond, "apply", "-f", "-")
			}
		})
	}
	wg.Wait()

	db, err := sql.Open("sqlite", "file:"+w.db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check: %q %v", check, err)
	}
	_ = db.Close()

	objs, err := w.list(false, "configmaps", "default")
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 6 {
		t.Fatalf("%d ConfigMaps, want the 6 the acknowledged applies wrote", len(objs))
	}
	for _, o := range objs {
		data, _ := o.field("data").(map[string]any)
		gens := map[string]bool{}
		for _, v := range data {
			gens[strings.SplitN(fmt.Sprint(v), "-x", 2)[0]] = true
		}
		if len(data) != 20 || len(gens) != 1 {
			t.Errorf("ConfigMap %s is not whole: %d keys from %d applies", o.name(), len(data), len(gens))
		}
	}
	if r := w.run(false, "", "create", "configmap", "after", "--from-literal=a=b"); r.code != 0 {
		t.Errorf("a write after the kills: %s", r)
	}
}
