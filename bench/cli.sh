#!/bin/sh
# Whole-process CLI benchmark: k1s get (cold and warm discovery cache)
# with 10,000 items and 20 plugin manifests, side by side with
# `kubectl version --client`. See bench/cli/main.go for the options.
set -e
cd "$(dirname "$0")/.."
exec go run ./bench/cli "$@"
