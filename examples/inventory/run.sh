#!/usr/bin/env bash
# The Quick start's main job: build k1s, apply the inventory example to the
# embedded SQLite store of this checkout (.k1s/k1s.db) and print the
# tables. Safe to run again: the second apply reports "unchanged".
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

mkdir -p bin .k1s
# k1s and, beside it, its companion k1s-etcd, to which it hands the
# commands that write (they check CEL rules; reads link no CEL).
go build -o bin/ ./cmd/k1s ./cmd/k1s-etcd
export K1S_DATA="$root/.k1s/k1s.db"
export K1S_PLUGIN_PATH="$root/examples/inventory/plugins"

bin/k1s apply -f examples/inventory/resources/
echo
bin/k1s get categories
echo
bin/k1s get items
