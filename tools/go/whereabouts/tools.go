//go:build tools

// Package tools pins the whereabouts IPAM plugin (cluster-wide address allocation for the
// Multus macvlan networks) built by scripts/bootstrap-tools, so that `go mod tidy` keeps its
// dependencies.
package tools

import (
	_ "github.com/k8snetworkplumbingwg/whereabouts/cmd"
)
