//go:build tools

// Package tools pins the Multus thin plugin built by scripts/bootstrap-tools for the testbed's
// real node so that `go mod tidy` keeps its dependencies.
package tools

import (
	_ "gopkg.in/k8snetworkplumbingwg/multus-cni.v4/cmd/multus"
)
