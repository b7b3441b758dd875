package etcdtest_test

import (
	"crypto/tls"

	"go.etcd.io/etcd/client/pkg/v3/transport"

	"github.com/k1s-dev/k1s/storage/etcd/etcdtest"
)

func tlsConfig(c etcdtest.Certs) (*tls.Config, error) {
	info := transport.TLSInfo{CertFile: c.ClientCert, KeyFile: c.ClientKey, TrustedCAFile: c.CAFile}
	return info.ClientConfig()
}
