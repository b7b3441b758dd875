// Package resource finds the objects a kubectl-style command works on,
// as k8s.io/cli-runtime's resource package does for kubectl: manifests
// named by -f and -R (files, directories, stdin; multi-document YAML and
// List kinds flattened; errors naming file, line, document and field),
// their registered types and namespaces (Prepare), TYPE NAME... and
// TYPE/NAME arguments (ParseArgs), and the lists and gets that read the
// objects named or selected.
//
// It knows the registry and the Client interface only: no flags, no
// printing, no cobra, so a tool can resolve resources the way k1s does
// without its commands.
package resource
