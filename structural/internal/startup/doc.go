// Command startup is the measurement behind the structural package's library choice:
// the same no-op program built with different code linked, one build tag
// per variant, so that start time and RSS can be compared side by side.
//
//	go build -o /tmp/k1s-start-base .                         # apimachinery + apiextensions v1 types
//	go build -tags k1s_own -o /tmp/k1s-start-own .            # + k1s structural (prune, default, validate)
//	go build -tags k1s_ownrun -o /tmp/k1s-start-ownrun .      # same, parsing a schema and validating one Item
//	go build -tags k1s_kubelight -o /tmp/k1s-start-kubelight . # + structural schema, pruning, listtype, kube-openapi validate
//	go build -tags k1s_kubefull -o /tmp/k1s-start-kubefull .  # + apiextensions-apiserver validation and defaulting
//	go build -tags k1s_cel -o /tmp/k1s-start-cel .            # + cel-go, linked only
//	go build -tags k1s_celrun -o /tmp/k1s-start-celrun .      # + cel-go, one rule compiled and run
//	go build -tags k1s_measure -o /tmp/k1s-start-measure .    # the runner
//	/tmp/k1s-start-measure 200 /tmp/k1s-start-base /tmp/k1s-start-own ...
//
// The runner starts each binary in turn, N rounds, and prints the median
// and 10th percentile wall time and the median and maximum peak RSS.
package main
