// Package client defines the Client that both k1s tiers hand out: the
// method set, argument order, options and patch types of
// controller-runtime's client.Client, plus Watch, without linking
// controller-runtime. Code written against it does not care whether a
// CoreClient or a ManagedRuntime is behind it, and the tier 2 adapter wraps
// it as a genuine controller-runtime client.WithWatch.
//
// This package holds no storage code.
package client
