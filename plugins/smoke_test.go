package plugins_test

import (
	"testing"
)

func TestSmoke(t *testing.T) {
	root := t.TempDir()
	writePlugin(t, root, "guest", guestWasm, "  validate:\n  - {apiVersion: v1, kind: ConfigMap, operations: [CREATE]}\n")
	m, _ := newManager(t, root)
	p := m.Plugin("guest")
	if err := p.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Log(p.Status())
}
