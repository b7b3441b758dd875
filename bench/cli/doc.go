// Command cli benchmarks whole k1s processes, side by side with kubectl
// in the same run: it builds k1s, seeds a store with 10,000 items and 20
// plugin manifests, then times `k1s get item NAME` and `k1s get items -l
// ...` cold (no discovery cache: it is removed before every run) and
// warm, and `kubectl version --client` as the anchor. It reports the
// median wall time and the peak RSS (wait4's ru_maxrss) of each command
// as a Markdown table. k1s-etcd is the companion k1s execs for etcd://
// storage (the same CLI with the etcd client linked).
//
// -mode floor runs `k1s get item NAME -o json` interleaved with
// bench/floor (a Go program that reads the same key from the same file
// with the same SQLite driver and prints it as JSON), and -mode select
// `k1s get items -l shelf=s7` with `k1s get item NAME`; both report wall
// and CPU time, peak RSS and the RssAnon/RssFile split of each process,
// read from /proc at its exit (the child runs under ptrace so it can be
// stopped there). -with adds other k1s builds (an older one) to the
// interleaving.
//
//	go run ./bench/cli [-n 41] [-items 10000] [-manifests 20] [-kubectl /usr/bin/kubectl]
//	go run ./bench/cli -mode floor -n 31 [-with old=/path/to/k1s]
package main
