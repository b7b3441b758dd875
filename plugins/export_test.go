package plugins

import "context"

// Instantiate starts one more instance of a loaded plugin and closes it:
// what BenchmarkInstantiate measures.
func (p *Plugin) Instantiate(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.loadLocked(ctx); err != nil {
		return err
	}
	inst, err := p.instantiate(ctx)
	if err != nil {
		return err
	}
	return inst.mod.Close(ctx)
}
