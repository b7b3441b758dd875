// Command parity runs the same kubectl-style command scenarios against a
// real kube-apiserver with kubectl and against a fresh k1s store with
// k1s, normalises what varies between runs (uids, resourceVersions,
// timestamps, ages, the program's name), and reports, per scenario,
// whether the two transcripts — stdout, stderr and exit code of every
// command — are the same, with a diff where they are not. Its last line
// is the summary "N same, M differ".
//
// It is a developer's tool: it needs the oracle API server of the
// project's shared documents (../shared/oracle, started with its
// start.sh) and is never run by CI. What it finds is fixed in k1s and
// held by testscript cases in the project's own suite.
//
// k1s follows the kubectl of the Kubernetes release whose libraries it
// links (v1.37), so the kubectl to compare with is that version's, built
// from the oracle's own module (it is in its go.mod):
//
//	(cd ~/.cache/k1s-oracle/build && go build -o ../bin/kubectl k8s.io/kubernetes/cmd/kubectl)
//
// which -kubectl picks by default; otherwise the kubectl on PATH.
//
// Usage:
//
//	go build -o bin/ ./cmd/k1s ./cmd/k1s-etcd   # k1s hands its writes to k1s-etcd
//	export KUBECONFIG=$(../shared/oracle/start.sh)
//	go run ./parity [-k1s bin/k1s] [-run REGEXP] [-v] [parity/scenarios/*.txtar]
//
// A scenario is a txtar archive. Its comment holds one command per line:
//
//	k ARGS...           run the CLI (kubectl, or k1s), arguments split as
//	                    a shell would (single and double quotes); a last
//	                    "< FILE" feeds FILE to its standard input
//	crd FILE            install a CustomResourceDefinition before the
//	                    commands: kubectl applies it and waits until it is
//	                    established, k1s finds it in its plugin directory;
//	                    a FILE not in the archive is read from
//	                    parity/testdata (the Gateway API CRDs) and is left
//	                    installed on the cluster, which others share
//	# ...               a comment
//
// Its files are the manifests the commands read. In commands and files,
// $NS is replaced by the scenario's namespace (a fresh one on the
// cluster, the same name in the fresh k1s store, and the default
// namespace of both CLIs) and $P by a prefix unique to the run, for the
// names of cluster-scoped objects; both are the same on the two sides.
package main
