//go:build tools

// Package tools pins the helm command built by scripts/bootstrap-tools so that `go mod tidy`
// keeps its dependencies.
package tools

import _ "helm.sh/helm/v4/cmd/helm"
