// Command cli benchmarks whole k1s processes, side by side with kubectl
// in the same run: it builds k1s, seeds a store with 10,000 items and 20
// plugin manifests, then times `k1s get item NAME` and `k1s get items -l
// ...` cold (no discovery cache: it is removed before every run) and
// warm, and `kubectl version --client` as the anchor. It reports the
// median wall time and the peak RSS (wait4's ru_maxrss) of each command
// as a Markdown table. k1s-noetcd is the same CLI built with the
// k1s_noetcd tag (no etcd client linked).
//
//	go run ./bench/cli [-n 41] [-items 10000] [-manifests 20] [-kubectl /usr/bin/kubectl]
package main
