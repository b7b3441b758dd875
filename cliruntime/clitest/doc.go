// Package clitest runs the k1s command-line scripts (testscript txtar
// files) for the tests of cmd/k1s and cliruntime: it sets up each script's
// isolated project directory and adds the waitfor command.
package clitest
