// Package open is the standard way a k1s command line opens its store:
// the SQLite file of --data (the default) or the etcd cluster of an
// etcd:// --storage URL, with a CoreClient over it whose plugin types come
// from the flags' plugin directories. cmd/k1s uses it as its
// cliruntime.SessionFactory; so can any CLI that wants the same flags.
package open
