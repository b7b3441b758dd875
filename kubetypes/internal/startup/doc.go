// Command startup measures what kubetypes costs a one-shot program: the
// same `get` (open an SQLite file, build a CoreClient, read one object,
// print its name) built three ways, one build tag per variant, started
// side by side by validation/internal/startup's runner:
//
//	go build -o /tmp/kt-base .                    # CoreClient with coretypes: what `k1s get` links
//	go build -tags kt_linked -o /tmp/kt-linked .  # the same, kubetypes linked but not called
//	go build -tags kt_used -o /tmp/kt-used .      # kubetypes' scheme, registry and validator, reading a Deployment
//	go build -tags k1s_measure -o /tmp/kt-measure ../../../validation/internal/startup
//	K1S_STARTUP_DB=/tmp/kt.db /tmp/kt-used -setup  # the file both read
//	K1S_STARTUP_DB=/tmp/kt.db /tmp/kt-measure 300 /tmp/kt-base /tmp/kt-linked /tmp/kt-used
//
// See BENCHMARKS.md, "kubetypes".
package main
