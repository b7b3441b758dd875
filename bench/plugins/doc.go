// Command plugins measures what installed plugins cost one-shot commands:
// `k1s get` and a write of a kind no plugin hooks, in a project with no
// plugins and in one with N sandboxed plugins (each hooking and
// reconciling Items), runs interleaved, medians and ratios:
//
//	go run ./bench/plugins -n 31 -plugins 10
package main
