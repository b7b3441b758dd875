// Command startup measures, in a fresh process, NewManagedRuntime + Start +
// informers synced for 3 kinds over a SQLite file holding 1,000 objects of
// each, and prints the elapsed time and the process's peak RSS.
//
//	go run ./bench/managed/cmd/startup -db /tmp/startup.db   # creates the file on first use
//
// With -floor it only opens the store and lists the same 3,000 stored
// values, undecoded: the part of start-up no runtime can skip, to run
// interleaved with the real one.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/k1s-dev/k1s"
	benchmanaged "github.com/k1s-dev/k1s/bench/managed"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/storage"
	"github.com/k1s-dev/k1s/storage/sqlite"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func main() {
	db := flag.String("db", "startup.db", "SQLite file (populated on first use)")
	perKind := flag.Int("n", 1000, "objects per kind when populating")
	floor := flag.Bool("floor", false, "only open the store and list the stored values (the floor)")
	flag.Parse()
	if _, err := os.Stat(*db); os.IsNotExist(err) {
		store, err := sqlite.Open(*db)
		check(err)
		check(benchmanaged.Populate(context.Background(), store, *perKind))
		check(store.Close())
		fmt.Fprintln(os.Stderr, "populated", *db)
		return
	}
	start := time.Now()
	ctx := context.Background()
	store, err := sqlite.Open(*db)
	check(err)
	opened := time.Since(start)
	if *floor {
		listFloor(ctx, start, opened, store)
		return
	}
	rt, err := k1s.NewManagedRuntime(k1s.ManagedRuntimeOptions{
		CoreClientOptions: core.Options{Storage: store},
		EnableInformers:   true,
		EnableEvents:      true,
	})
	check(err)
	built := time.Since(start)
	for _, obj := range benchmanaged.Kinds() {
		_, err := rt.GetInformerFor(obj)
		check(err)
	}
	check(rt.Start(ctx))
	f, err := rt.InformerFactory()
	check(err)
	for k, ok := range f.WaitForCacheSync(ctx) {
		if !ok {
			check(fmt.Errorf("%v did not sync", k))
		}
	}
	elapsed := time.Since(start)
	items := 0
	for _, obj := range benchmanaged.Kinds() {
		inf, _ := rt.GetInformerFor(obj)
		items += len(inf.GetStore().ListKeys())
	}
	cpu, rss := usage()
	fmt.Printf("synced %d objects in %.2f ms (store open %.2f ms, runtime built %.2f ms), CPU %.2f ms, peak RSS %.1f MB\n",
		items, ms(elapsed), ms(opened), ms(built), ms(cpu), rss)
	check(rt.Shutdown(ctx))
	check(store.Close())
}

// listFloor lists the stored values of Kinds, as the informers' first
// List reads them, without decoding them.
func listFloor(ctx context.Context, start time.Time, opened time.Duration, store *sqlite.Store) {
	items := 0
	for _, prefix := range []string{"configmaps", "secrets", "serviceaccounts"} {
		res, err := store.List(ctx, storage.Prefix(storage.DefaultTenant, schema.GroupResource{Resource: prefix}, ""), storage.ListOptions{})
		check(err)
		if len(res.Items) == 0 {
			check(fmt.Errorf("nothing stored under %s", prefix))
		}
		items += len(res.Items)
	}
	elapsed := time.Since(start)
	cpu, rss := usage()
	fmt.Printf("floor: listed %d values in %.2f ms (store open %.2f ms), CPU %.2f ms, peak RSS %.1f MB\n",
		items, ms(elapsed), ms(opened), ms(cpu), rss)
	check(store.Close())
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// usage is the process's CPU time so far (user + system, from exec) and
// its peak RSS in MB.
func usage() (time.Duration, float64) {
	var ru syscall.Rusage
	check(syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), float64(ru.Maxrss) / 1024
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "startup:", err)
		os.Exit(1)
	}
}
