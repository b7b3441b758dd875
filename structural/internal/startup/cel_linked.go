//go:build k1s_cel

package main

// run is false: cel-go is linked, and its init runs, but no rule is built.
const run = false
