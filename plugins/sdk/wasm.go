//go:build wasip1

package sdk

import (
	"context"
	"errors"
	"unsafe"

	"github.com/k1s-dev/k1s/plugins/abi"
)

// The module's side of the ABI (see package abi). Nothing here runs
// outside a wasip1 build; the logic it calls (Admit, ReconcileJSON,
// Client) is host-testable.

//go:wasmimport k1s call
func hostCall(ptr, size uint32) uint32

//go:wasmimport k1s take
func hostTake(ptr uint32)

// The buffers the host holds pointers into: the request buffer, from
// k1s_alloc to the entry point, and the answer, until the next call.
// Both are reused from call to call (an allocation per call is a cost
// the guest's garbage collector pays again).
var requestBuf, answerBuf []byte

func ptrOf(b []byte) uint32 {
	if len(b) == 0 {
		return 0
	}
	return uint32(uintptr(unsafe.Pointer(&b[0])))
}

//go:wasmexport k1s_abi_version
func abiVersion() uint32 { return abi.Version }

//go:wasmexport k1s_alloc
func alloc(size uint32) uint32 {
	if uint32(cap(requestBuf)) < size || size == 0 {
		requestBuf = make([]byte, max(size, 1))
	}
	requestBuf = requestBuf[:size]
	return ptrOf(requestBuf[:cap(requestBuf)])
}

func request(ptr, size uint32) []byte {
	if ptr != ptrOf(requestBuf[:cap(requestBuf)]) || uint32(len(requestBuf)) < size {
		return nil
	}
	return requestBuf[:size]
}

func answer(b []byte) uint64 {
	answerBuf = b
	return uint64(ptrOf(b))<<32 | uint64(len(b))
}

//go:wasmexport k1s_admit
func admit(ptr, size uint32) uint64 {
	p := registered
	if p == nil {
		p = &Plugin{}
	}
	return answer(p.appendAdmit(context.Background(), answerBuf[:0], request(ptr, size)))
}

//go:wasmexport k1s_reconcile
func reconcile(ptr, size uint32) uint64 {
	p := registered
	if p == nil {
		p = &Plugin{}
	}
	return answer(p.appendReconcile(context.Background(), answerBuf[:0], request(ptr, size)))
}

func wasmTransport(_ context.Context, req []byte) ([]byte, error) {
	if len(req) > abi.MaxMessageBytes {
		return nil, errors.New("the request exceeds the ABI's message limit")
	}
	n := hostCall(ptrOf(req), uint32(len(req)))
	out := make([]byte, n)
	if n > 0 {
		hostTake(ptrOf(out))
	}
	return out, nil
}

// NewClient returns the client of the host the module runs in.
func NewClient() *Client { return NewClientWithTransport(wasmTransport) }
