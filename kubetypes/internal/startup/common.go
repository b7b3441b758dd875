package main

import (
	"context"
	"fmt"
	"os"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/storage/sqlite"
)

// get opens the file named by K1S_STARTUP_DB, builds a CoreClient with
// opts and reads obj by key, as a `get` command does.
func get(opts core.Options, key client.ObjectKey, obj client.Object) {
	store, err := sqlite.Open(os.Getenv("K1S_STARTUP_DB"))
	if err != nil {
		fail(err)
	}
	defer func() { _ = store.Close() }()
	opts.Storage = store // no PluginPaths: no scan (core.New carries no CLI policy)
	c, err := core.New(opts)
	if err != nil {
		fail(err)
	}
	if err := c.Get(context.Background(), key, obj); err != nil {
		fail(err)
	}
	fmt.Println(obj.GetName())
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "startup:", err)
	os.Exit(1)
}
