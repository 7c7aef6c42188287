//go:build tools

// Package tools pins the flannel CNI plugin built by scripts/bootstrap-tools for the real node's
// flannel primary network so that `go mod tidy` keeps its dependencies. Its later home
// (github.com/flannel-io/cni-plugin) is refused by the module proxy; the reference plugins
// carried it up to v0.9.x, which the proxy serves.
package tools

import (
	_ "github.com/containernetworking/plugins/plugins/meta/flannel"
)
