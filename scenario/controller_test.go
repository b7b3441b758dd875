package scenario

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	finalizer = "inventory.example.com/summary"
	nItems    = 10
	nCats     = 4
)

func categoryYAML(ns, name string) string {
	return fmt.Sprintf("apiVersion: inventory.example.com/v1alpha1\nkind: Category\nmetadata: {name: %s, namespace: %s}\nspec: {description: %s}\n", name, ns, name)
}

func itemYAML(ns, name, category string, quantity int) string {
	return fmt.Sprintf("apiVersion: inventory.example.com/v1alpha1\nkind: Item\nmetadata: {name: %s, namespace: %s}\nspec: {category: %s, quantity: %d}\n",
		name, ns, category, quantity)
}

// expectedFailure reports whether a one-shot command's failure is one a
// cluster gives for the same request in a race with other clients: the
// object was deleted (NotFound), is being deleted (a terminating
// namespace refuses content), the namespace is gone, or two applies of
// a new object both tried to create it (kubectl's apply creates what its
// read did not find, and does not retry an AlreadyExists). Everything else
// (a Conflict a patch without resourceVersion must never give, a store
// reported damaged or busy) is a defect.
func expectedFailure(r result) bool {
	return r.code == 1 && (strings.Contains(r.stderr, "NotFound") || strings.Contains(r.stderr, "not found") ||
		strings.Contains(r.stderr, "being terminated") ||
		strings.Contains(r.stderr, "(AlreadyExists): error when creating"))
}

// TestControllerBesideOneShotCommands runs the inventory controllers
// continuously while two streams of one-shot k1s commands create, change,
// label, delete and re-create the Items and Categories they reconcile and
// the summary ConfigMaps they own, with one-shot commands and the
// controller itself killed at random points (the controller restarted
// each time). Then it requires what a cluster would reach: every summary
// up to date and owned by its Category, every Item's status observed, no
// Item stuck with its finalizer, no summary left without its Category,
// and a triggered run afterwards that finds almost nothing to do.
func TestControllerBesideOneShotCommands(t *testing.T) {
	w := newWorld(t)
	ns := "default"
	var manifest strings.Builder
	for c := range nCats {
		manifest.WriteString(categoryYAML(ns, fmt.Sprintf("c%d", c)) + "---\n")
	}
	for i := range nItems {
		manifest.WriteString(itemYAML(ns, fmt.Sprintf("i%d", i), fmt.Sprintf("c%d", i%nCats), i) + "---\n")
	}
	if r := w.apply(true, manifest.String()); r.code != 0 {
		t.Fatalf("%s", r)
	}

	var mu sync.Mutex
	ctrl := w.controller()
	restart := func() {
		mu.Lock()
		defer mu.Unlock()
		ctrl.kill()
		ctrl = w.controller()
	}

	var failures []string
	fail := func(r result) {
		mu.Lock()
		failures = append(failures, r.String())
		mu.Unlock()
	}
	check := func(r result) {
		if r.code != 0 && !expectedFailure(r) {
			fail(r)
		}
	}
	item := func() string { return fmt.Sprintf("i%d", w.intn(nItems)) }
	cat := func() string { return fmt.Sprintf("c%d", w.intn(nCats+1)) } // c4 is not in the manifest: it appears empty
	ops := []func(){
		func() { check(w.apply(true, itemYAML(ns, item(), cat(), w.intn(20)))) },
		func() { check(w.apply(true, categoryYAML(ns, cat()))) },
		func() {
			check(w.run(true, "", "patch", "item", item(), "--type", "merge", "-p", fmt.Sprintf(`{"spec":{"quantity":%d}}`, w.intn(20))))
		},
		func() {
			check(w.run(true, "", "label", "item", item(), fmt.Sprintf("color=c%d", w.intn(3)), "--overwrite"))
		},
		func() {
			check(w.run(true, "", "annotate", "category", cat(), fmt.Sprintf("note=n%d", w.intn(3)), "--overwrite"))
		},
		func() { check(w.run(true, "", "delete", "item", item(), "--wait=false")) },
		func() { check(w.run(true, "", "delete", "category", cat(), "--wait=false")) },
		// The controller owns the summaries: deleting one (with a k1s
		// that knows only built-in types) makes it write it again.
		func() { check(w.run(false, "", "delete", "configmap", cat()+"-summary", "--wait=false")) },
		func() {
			var b strings.Builder
			for range 3 {
				b.WriteString(itemYAML(ns, item(), cat(), w.intn(20)) + "---\n")
			}
			w.killed(true, b.String(), 150*time.Millisecond, "apply", "-f", "-")
		},
	}
	const perStream = 40
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for n := range perStream {
				ops[w.intn(len(ops))]()
				if n%15 == 14 {
					restart()
				}
			}
		})
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Errorf("%d one-shot command(s) failed beside the controller:\n%s", len(failures), strings.Join(failures, "\n"))
	}

	// Whatever the streams left, the controller converges on it.
	w.eventually("the inventory converges", func() error {
		ctrl.alive(t)
		return w.inventoryConverged(ns)
	})
	ctrl.stop(t)

	// A triggered run over the converged store has (almost) nothing to
	// do: one reconcile per object at most, and it returns.
	r := w.runInventory("reconcile")
	if r.code != 0 {
		t.Fatalf("%s", r)
	}
	var n int
	if _, err := fmt.Sscanf(r.stdout, "converged after %d reconcile(s)", &n); err != nil {
		t.Fatalf("inventory reconcile printed %q", r.stdout)
	}
	if limit := 2 * (nItems + nCats + 1); n > limit {
		t.Errorf("a triggered run over a converged store made %d reconciles, more than %d: something keeps requeueing", n, limit)
	}
	if err := w.inventoryConverged(ns); err != nil {
		t.Errorf("after the triggered run: %v", err)
	}
}

// runInventory runs the inventory example's command once.
func (w *world) runInventory(args ...string) result {
	p := w.start("inventory "+strings.Join(args, " "), bin.inventory, append([]string{"-db", w.db}, args...)...)
	select {
	case <-p.done:
	case <-time.After(hangAfter):
		p.kill()
		w.t.Fatalf("inventory %v did not return; output:\n%s", args, p.out.String())
	}
	code := 0
	if p.cmd.ProcessState != nil {
		code = p.cmd.ProcessState.ExitCode()
	}
	return result{args: args, stdout: p.out.String(), code: code}
}

// inventoryConverged checks the inventory controllers' end state in ns.
func (w *world) inventoryConverged(ns string) error {
	items, err := w.list(true, "items", ns)
	if err != nil {
		return err
	}
	cats, err := w.list(true, "categories", ns)
	if err != nil {
		return err
	}
	cms, err := w.list(false, "configmaps", ns)
	if err != nil {
		return err
	}
	catUID := map[string]string{}
	for _, c := range cats {
		catUID[c.name()] = c.str("metadata", "uid")
	}
	type sum struct {
		count, total int
		entries      []string
	}
	want := map[string]*sum{}
	for _, c := range cats {
		want[c.name()] = &sum{}
	}
	for _, it := range items {
		name := it.name()
		if it.field("metadata", "deletionTimestamp") != nil {
			return fmt.Errorf("item %s is still being deleted (finalizers %v)", name, it.field("metadata", "finalizers"))
		}
		if fins, _ := it.field("metadata", "finalizers").([]any); !slices.Contains(fins, any(finalizer)) {
			return fmt.Errorf("item %s lacks the controller's finalizer: %v", name, fins)
		}
		if g, o := it.field("metadata", "generation"), it.field("status", "observedGeneration"); fmt.Sprint(g) != fmt.Sprint(o) {
			return fmt.Errorf("item %s: generation %v, status.observedGeneration %v", name, g, o)
		}
		category := it.str("spec", "category")
		_, exists := catUID[category]
		if got := condition(it, "Ready"); got != fmt.Sprint(exists) {
			return fmt.Errorf("item %s: Ready=%s, but category %s exists=%v", name, got, category, exists)
		}
		if s := want[category]; s != nil {
			q := int(it.field("spec", "quantity").(float64))
			s.count++
			s.total += q
			s.entries = append(s.entries, fmt.Sprintf("item.%s=%d", name, q))
		}
	}
	summaries := map[string]object{}
	for _, cm := range cms {
		if name, ok := strings.CutSuffix(cm.name(), "-summary"); ok {
			if _, exists := catUID[name]; !exists {
				return fmt.Errorf("summary %s outlived its category", cm.name())
			}
			summaries[name] = cm
		}
	}
	for _, c := range cats {
		name := c.name()
		s := want[name]
		cm, ok := summaries[name]
		if !ok {
			return fmt.Errorf("category %s has no summary", name)
		}
		refs, _ := cm.field("metadata", "ownerReferences").([]any)
		if len(refs) != 1 || object(refs[0].(map[string]any)).str("uid") != catUID[name] {
			return fmt.Errorf("summary of %s is not owned by it: %v", name, refs)
		}
		data, _ := cm.field("data").(map[string]any)
		var got []string
		for k, v := range data {
			if strings.HasPrefix(k, "item.") {
				got = append(got, k+"="+fmt.Sprint(v))
			}
		}
		slices.Sort(got)
		slices.Sort(s.entries)
		if !slices.Equal(got, s.entries) || fmt.Sprint(data["items"]) != fmt.Sprint(s.count) || fmt.Sprint(data["totalQuantity"]) != fmt.Sprint(s.total) {
			return fmt.Errorf("summary of %s is %v, want %d items %v totalling %d", name, data, s.count, s.entries, s.total)
		}
		if fmt.Sprint(c.field("status", "items")) != fmt.Sprint(s.count) || fmt.Sprint(c.field("status", "totalQuantity")) != fmt.Sprint(s.total) {
			return fmt.Errorf("category %s status %v, want %d items totalling %d", name, c.field("status"), s.count, s.total)
		}
	}
	return nil
}

// condition returns "true" or "false" for the status of condition typ of
// o, or "missing".
func condition(o object, typ string) string {
	conds, _ := o.field("status", "conditions").([]any)
	for _, c := range conds {
		m := object(c.(map[string]any))
		if m.str("type") == typ {
			return strings.ToLower(m.str("status"))
		}
	}
	return "missing"
}
