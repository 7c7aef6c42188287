//go:build tools

// Package tools pins the kubelet main package built by scripts/bootstrap-tools (from the same
// k8s.io/kubernetes release as the control plane) so that `go mod tidy` keeps its dependencies.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kubelet"
)
