//go:build k1s_cel || k1s_celrun

package main

import (
	"os"

	"github.com/google/cel-go/cel"
)

func main() {
	linkBase()
	if run || len(os.Args) > 5 {
		env, err := cel.NewEnv(cel.Variable("self", cel.DynType))
		if err != nil {
			panic(err)
		}
		ast, iss := env.Compile("self.spec.quantity >= 0")
		if iss.Err() != nil {
			panic(iss.Err())
		}
		p, err := env.Program(ast)
		if err != nil {
			panic(err)
		}
		out, _, err := p.Eval(map[string]any{"self": map[string]any{"spec": map[string]any{"quantity": int64(1)}}})
		if err != nil || out.Value() != true {
			panic(err)
		}
	}
}
