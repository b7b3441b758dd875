//go:build !k1s_kubecel && !k1s_own && !k1s_ownrun && !k1s_kubelight && !k1s_kubefull && !k1s_cel && !k1s_celrun && !k1s_measure

package main

func main() { linkBase() }
