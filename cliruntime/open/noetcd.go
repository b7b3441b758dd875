//go:build k1s_noetcd

package open

import (
	"context"
	"fmt"

	"github.com/k1s-dev/k1s/storage"
)

// EtcdSupported reports whether this build can open etcd stores. Builds
// with the k1s_noetcd tag leave the etcd client (gRPC, protobuf) out:
// the binary is a third smaller and starts with ~7 MB less RSS.
const EtcdSupported = false

func openEtcd(context.Context, string) (storage.Interface, error) {
	return nil, fmt.Errorf("this k1s was built without etcd support (tag k1s_noetcd); rebuild without it to use --storage etcd://")
}
