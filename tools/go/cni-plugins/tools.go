//go:build tools

// Package tools pins the CNI reference plugins built by scripts/bootstrap-tools for the
// testbed's real node (primary bridge network, macvlan VNF networks, host-local IPAM) so that
// `go mod tidy` keeps their dependencies.
package tools

import (
	_ "github.com/containernetworking/plugins/plugins/ipam/host-local"
	_ "github.com/containernetworking/plugins/plugins/main/bridge"
	_ "github.com/containernetworking/plugins/plugins/main/loopback"
	_ "github.com/containernetworking/plugins/plugins/main/macvlan"
	_ "github.com/containernetworking/plugins/plugins/meta/portmap"
)
