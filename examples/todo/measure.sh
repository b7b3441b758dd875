#!/usr/bin/env bash
# Size and peak RSS of `todo get tasks` for the lean build (todo) and the
# build with the reconciler linked (todo-controller, the same CLI), with
# the k1s CLI as the anchor: RUNS interleaved runs of each over one store
# of 10 tasks, medians of /usr/bin/time's peak RSS and of wall time.
# BENCHMARKS.md, "examples/todo: size and memory", has the figures.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS="${RUNS:-11}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
go build -o "$out/" ./examples/todo/cmd/todo ./examples/todo/cmd/todo-controller ./cmd/k1s
for i in $(seq 10); do
	printf 'apiVersion: todo.example.com/v1\nkind: Task\nmetadata:\n  name: t%d\nspec:\n  title: Task %d\n---\n' "$i" "$i"
done >"$out/tasks.yaml"
"$out/todo" --data "$out/todo.db" apply -f "$out/tasks.yaml" >/dev/null
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for b in todo todo-controller k1s; do : >"$out/$b.rss"; : >"$out/$b.wall"; done
for _ in $(seq "$RUNS"); do
	for b in todo todo-controller; do
		/usr/bin/time -f '%M %e' -o "$out/t" "$out/$b" --data "$out/todo.db" get tasks >/dev/null
		read -r rss wall <"$out/t"; echo "$rss" >>"$out/$b.rss"; echo "$wall" >>"$out/$b.wall"
	done
	/usr/bin/time -f '%M %e' -o "$out/t" "$out/k1s" --data "$out/todo.db" get configmaps >/dev/null 2>&1
	read -r rss wall <"$out/t"; echo "$rss" >>"$out/k1s.rss"; echo "$wall" >>"$out/k1s.wall"
done
printf '%-16s %10s %14s %10s\n' binary "size (MB)" "peak RSS (MB)" "wall (s)"
for b in todo todo-controller k1s; do
	size=$(stat -c %s "$out/$b")
	rss=$(median <"$out/$b.rss")
	wall=$(median <"$out/$b.wall")
	awk -v b="$b" -v s="$size" -v r="$rss" -v w="$wall" 'BEGIN {printf "%-16s %10.1f %14.1f %10.3f\n", b, s/1e6, r/1024, w}'
done
