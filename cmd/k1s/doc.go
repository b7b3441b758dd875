// Command k1s is the generic k1s command-line tool: kubectl's commands
// over an embedded store (SQLite by default, etcd with --storage). It is
// thin wiring: the commands live in package cliruntime; this program
// only says how to open the store and the CoreClient.
package main
