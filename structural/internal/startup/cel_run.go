//go:build k1s_celrun

package main

// run is true: one CEL environment is built and one rule compiled and run.
const run = true
