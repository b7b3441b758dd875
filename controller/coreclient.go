package controller

import (
	crclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/k1s-dev/k1s/core"
)

// NewCoreClient returns a CoreClient (what k1s.NewCoreClient returns,
// built from the same options) as a controller-runtime client: the one
// call for one-shot code written against controller-runtime's
// client.Client, such as controllerutil.CreateOrUpdate or a library that
// takes a client.Client. k1s's own client.Client has the same methods
// but is not that interface (it has no Apply), so such code does not
// compile with it. See the package documentation for which client to use
// where.
func NewCoreClient(opts core.Options) (crclient.WithWatch, error) {
	c, err := core.New(opts)
	if err != nil {
		return nil, err
	}
	return NewClient(c), nil
}
