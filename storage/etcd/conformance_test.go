package etcd_test

import (
	"testing"

	"github.com/k1s-dev/k1s/storage"
	"github.com/k1s-dev/k1s/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Interface { return newStore(t) })
}
