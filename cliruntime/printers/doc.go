// Package printers prints objects as kubectl's -o does, as
// k8s.io/cli-runtime's printers package does for kubectl: tables (the
// built-in kinds' columns as coretypes defines them, a custom resource's
// additionalPrinterColumns, wide, labels, watch events), yaml, json,
// name, jsonpath and custom-columns, with --sort-by. It knows objects and
// the registry's type metadata only: no client, no flags, no cobra.
package printers
