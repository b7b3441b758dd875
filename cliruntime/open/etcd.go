//go:build !k1s_noetcd

package open

import (
	"context"

	"github.com/k1s-dev/k1s/storage"
	"github.com/k1s-dev/k1s/storage/etcd"
)

// EtcdSupported reports whether this build can open etcd stores.
const EtcdSupported = true

func openEtcd(ctx context.Context, url string) (storage.Interface, error) {
	cfg, err := etcd.ParseURL(url)
	if err != nil {
		return nil, err
	}
	return etcd.New(ctx, cfg)
}
