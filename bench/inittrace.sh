#!/bin/sh
# Usage: N=21 bench/inittrace.sh /path/to/k1s [/path/to/other-k1s ...] (runs `BIN version`).
# median over N runs of the sum of package init clock times (GODEBUG=inittrace=1), and the count of packages initialised
N=${N:-15}
for b in "$@"; do
  for i in $(seq $N); do
    GODEBUG=inittrace=1 $b version 2>&1 >/dev/null | awk '/^init /{s+=$5; n++} END{printf "%.2f %d\n", s, n}'
  done | sort -n | awk -v b="$b" '{a[NR]=$1; n=$2} END{printf "%s: init sum median %.2f ms (min %.2f max %.2f), %d packages\n", b, a[int((NR+1)/2)], a[1], a[NR], n}'
done
