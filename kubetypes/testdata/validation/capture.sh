#!/bin/sh
# capture.sh sends every case of cases/ to a real kube-apiserver as a
# dry-run create with fieldValidation=Strict (what kubectl create
# --dry-run=server --validate=strict sends) and records what kubectl says
# of the answer in server/<case>.txt: "accepted", or kubectl's error
# message ("The Deployment "bad" is invalid: ..." listing every cause,
# "Error from server (BadRequest): ..."), without its warnings.
# index.txt (go run ./internal/corpus) says where each case goes;
# namespaced ones go to namespace kt-probe, which this script creates
# (with the "default" ServiceAccount that pods need, as no controller
# makes it) and deletes. Nothing is stored: every request is a dry run.
#
#   KUBECONFIG=/root/.cache/k1s-oracle/run/kubeconfig ./capture.sh
set -eu
cleanup() { kubectl delete namespace kt-probe --ignore-not-found --wait=false >/dev/null 2>&1 || true; }
trap cleanup EXIT
kubectl create namespace kt-probe >/dev/null 2>&1 || true
kubectl -n kt-probe create serviceaccount default >/dev/null 2>&1 || true
rm -rf server
mkdir server
while read -r name path; do
	if kubectl create --raw "$path?dryRun=All&fieldValidation=Strict" -f "cases/$name.json" >/dev/null 2>"server/$name.err"; then
		echo accepted >"server/$name.txt"
	else
		grep -v '^Warning: ' "server/$name.err" >"server/$name.txt" || true
	fi
	rm "server/$name.err"
done <index.txt
