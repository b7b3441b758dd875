package etcd

import clientv3 "go.etcd.io/etcd/client/v3"

// ClientOf exposes a store's etcd client to the benchmarks, so that the
// raw side of a comparison uses the very same connection.
func ClientOf(s *Store) *clientv3.Client { return s.cli }
