// Command floor is the anchor of the `k1s get KIND NAME -o json` budget
// (issue 13.1): the least a process can do to answer that command from
// the same file. It opens the SQLite file with the same driver (modernc)
// and the same connection pragmas as storage/sqlite, reads the current
// value of one key with one query, and prints it as indented JSON, as
// `-o json` does. It parses no manifests, builds no registry and decodes
// nothing into Go types, so what k1s spends beyond it is the price of
// being k1s. bench/cli builds it with the flags it builds k1s with and
// runs the two interleaved.
//
//	floor -db .k1s/k1s.db -key /registry/inventory.example.com/items/default/item-05000
//	floor -db .k1s/k1s.db -suffix /items/default/item-05000   (finds the key first)
package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	_ "modernc.org/sqlite"
)

func main() {
	db := flag.String("db", ".k1s/k1s.db", "SQLite file written by k1s")
	key := flag.String("key", "", "storage key to read")
	suffix := flag.String("suffix", "", "print the key ending in this (for the benchmark's set-up), instead of reading one")
	flag.Parse()
	if err := run(*db, *key, *suffix); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

func run(path, key, suffix string) error {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	// The pragmas storage/sqlite's read pool opens its connections with.
	db, err := sql.Open("sqlite", "file:"+esc+"?_pragma=busy_timeout(5000)&_pragma=synchronous(NORMAL)&_pragma=query_only(1)")
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	if suffix != "" {
		var k string
		if err := db.QueryRow(`SELECT key FROM kv WHERE key LIKE '%' || ?1`, suffix).Scan(&k); err != nil {
			return fmt.Errorf("no key ending in %s: %w", suffix, err)
		}
		fmt.Println(k)
		return nil
	}
	var value []byte
	if err := db.QueryRow(`SELECT l.value FROM kv k JOIN log l ON l.id = k.mod_id WHERE k.key = ?1`, key).Scan(&value); err != nil {
		return fmt.Errorf("reading %s: %w", key, err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, value, "", "    "); err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	out.WriteByte('\n')
	_, err = os.Stdout.Write(out.Bytes())
	return err
}
