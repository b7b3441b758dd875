// Command startup measures, in a fresh process, NewManagedRuntime + Start +
// informers synced for 3 kinds over a SQLite file holding 1,000 objects of
// each, and prints the elapsed time and the process's peak RSS.
//
//	go run ./bench/managed/cmd/startup -db /tmp/startup.db   # creates the file on first use
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
	"github.com/k1s-dev/k1s/storage/sqlite"
)

func main() {
	db := flag.String("db", "startup.db", "SQLite file (populated on first use)")
	perKind := flag.Int("n", 1000, "objects per kind when populating")
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
	var ru syscall.Rusage
	check(syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	fmt.Printf("synced %d objects in %.2f ms (store open %.2f ms, runtime built %.2f ms), peak RSS %.1f MB\n",
		items, ms(elapsed), ms(opened), ms(built), float64(ru.Maxrss)/1024)
	check(rt.Shutdown(ctx))
	check(store.Close())
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "startup:", err)
		os.Exit(1)
	}
}
