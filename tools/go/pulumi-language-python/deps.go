package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// discoverPlugins prints, as JSON, the resource plugins that installed distributions declare in a
// `pulumi-plugin.json` file (the marker every Pulumi provider SDK for Python ships).
const discoverPlugins = `
import importlib.metadata as md, json
found = {}
for dist in md.distributions():
    for f in dist.files or ():
        if f.name != "pulumi-plugin.json":
            continue
        try:
            data = json.loads(f.read_text() or "{}")
        except (OSError, ValueError):
            continue
        if not data.get("resource"):
            continue
        name = data.get("name") or dist.metadata["Name"].removeprefix("pulumi-").removeprefix("pulumi_")
        version = data.get("version") or dist.version
        found[(name, version)] = {"name": name, "version": version, "server": data.get("server", "")}
print(json.dumps(sorted(found.values(), key=lambda p: (p["name"], p["version"]))))
`

type pluginMarker struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Server  string `json:"server"`
}

func (h *host) pluginDependencies(
	ctx context.Context, info *pulumirpc.ProgramInfo,
) ([]*pulumirpc.PackageDependency, error) {
	tc, err := h.toolchainFor(info)
	if err != nil {
		return nil, err
	}
	cmd, err := tc.Command(ctx, "-c", discoverPlugins)
	if err != nil {
		return nil, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("listing Pulumi plugins of the Python environment: %w: %s",
			err, strings.TrimSpace(stderr.String()))
	}
	var markers []pluginMarker
	if err := json.Unmarshal(out, &markers); err != nil {
		return nil, fmt.Errorf("parsing the plugin list: %w", err)
	}
	deps := make([]*pulumirpc.PackageDependency, 0, len(markers))
	for _, m := range markers {
		version := m.Version
		if version != "" && !strings.HasPrefix(version, "v") {
			version = "v" + version
		}
		deps = append(deps, &pulumirpc.PackageDependency{
			Kind: "resource", Name: m.Name, Version: version, Server: m.Server,
		})
	}
	return deps, nil
}

func (h *host) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	tc, err := h.toolchainFor(req.GetInfo())
	if err != nil {
		return nil, err
	}
	packages, err := tc.ListPackages(ctx, req.GetTransitiveDependencies())
	if err != nil {
		return nil, err
	}
	deps := make([]*pulumirpc.DependencyInfo, 0, len(packages))
	for _, p := range packages {
		deps = append(deps, &pulumirpc.DependencyInfo{Name: p.Name, Version: p.Version})
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}

func (h *host) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	tc, err := h.toolchainFor(req.GetInfo())
	if err != nil {
		return nil, err
	}
	about, err := tc.About(ctx)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{
		Executable: about.PythonExecutable,
		Version:    about.PythonVersion.String(),
	}, nil
}

// streamWriter forwards toolchain output to the engine as InstallDependencies responses.
type streamWriter struct {
	send   func(*pulumirpc.InstallDependenciesResponse) error
	stderr bool
}

func (w streamWriter) Write(p []byte) (int, error) {
	chunk := append([]byte(nil), p...)
	resp := &pulumirpc.InstallDependenciesResponse{Stdout: chunk}
	if w.stderr {
		resp = &pulumirpc.InstallDependenciesResponse{Stderr: chunk}
	}
	if err := w.send(resp); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest,
	srv grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	info := req.GetInfo()
	tc, err := h.toolchainFor(info)
	if err != nil {
		return err
	}
	dir := info.GetProgramDirectory()
	if dir == "" {
		dir = req.GetDirectory()
	}
	return tc.InstallDependencies(srv.Context(), dir, req.GetUseLanguageVersionTools(), true,
		streamWriter{send: srv.Send}, streamWriter{send: srv.Send, stderr: true})
}
