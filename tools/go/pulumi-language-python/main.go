// Command pulumi-language-python is the Pulumi language host for Python programs used by the
// locus-iac testbed.
//
// The Pulumi engine starts a language host per program, reads the port it prints on stdout and
// drives it over gRPC (pulumirpc.LanguageRuntime, sdk/proto/language.proto). Upstream's host
// lives in a nested module that the Go module proxy does not serve, so this is a compact
// implementation of the same contract on top of the published SDK v3:
//
//   - the program is run by the SDK's own executor script (python/cmd/pulumi-language-python-exec,
//     installed next to this binary by scripts/bootstrap-tools) under the project's Python
//     toolchain (pip/venv, uv or poetry, from the `runtime.options` of Pulumi.yaml);
//   - required resource plugins are discovered from the `pulumi-plugin.json` files that Pulumi
//     provider packages ship in their Python distributions.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// version is stamped at build time (-ldflags "-X main.version=...") with the SDK release.
var version = "dev"

// bailExitCode is what the executor script exits with after it has shown the user an error.
const bailExitCode = 32

// execScriptName is the SDK's program executor, expected next to this binary.
const execScriptName = "pulumi-language-python-exec"

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
	virtualenv    string
	execScript    string
}

// hostArgs holds the command line the engine passes: flags (-name=value) and the engine address.
type hostArgs struct {
	engineAddress string
	virtualenv    string
}

func parseArgs(argv []string) (hostArgs, error) {
	var parsed hostArgs
	for _, arg := range argv {
		if strings.HasPrefix(arg, "-") {
			name, value, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
			if name == "virtualenv" {
				parsed.virtualenv = value
			}
			// Other flags (-root, -tracing, -logtostderr, -v...) do not change behaviour here.
			continue
		}
		if parsed.engineAddress == "" {
			parsed.engineAddress = arg
		}
	}
	if parsed.engineAddress == "" {
		return parsed, errors.New("missing required engine RPC address argument")
	}
	return parsed, nil
}

func main() {
	args, err := parseArgs(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "pulumi-language-python:", err)
		os.Exit(1)
	}
	exe, err := os.Executable()
	if err == nil {
		exe, err = filepath.EvalSymlinks(exe)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "pulumi-language-python: locating own executable:", err)
		os.Exit(1)
	}
	h := &host{
		engineAddress: args.engineAddress,
		virtualenv:    args.virtualenv,
		execScript:    filepath.Join(filepath.Dir(exe), execScriptName),
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Stop when the engine goes away, as every Pulumi plugin does.
	go func() { _ = rpcutil.Healthcheck(ctx, args.engineAddress, 5*time.Minute, cancel) }()

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "pulumi-language-python: serving:", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	select {
	case err := <-handle.Done:
		if err != nil {
			fmt.Fprintln(os.Stderr, "pulumi-language-python:", err)
			os.Exit(1)
		}
	case <-ctx.Done():
	}
}

// toolchainFor resolves the Python toolchain from the program's runtime options.
func (h *host) toolchainFor(info *pulumirpc.ProgramInfo) (toolchain.Toolchain, error) {
	opts := toolchain.PythonOptions{
		Root:       info.GetRootDirectory(),
		ProgramDir: info.GetProgramDirectory(),
		Virtualenv: h.virtualenv,
	}
	if o := info.GetOptions(); o != nil {
		values := o.AsMap()
		if venv, ok := values["virtualenv"].(string); ok && venv != "" {
			opts.Virtualenv = venv
		}
		switch values["toolchain"] {
		case "pip":
			opts.Toolchain = toolchain.Pip
		case "uv":
			opts.Toolchain = toolchain.Uv
		case "poetry":
			opts.Toolchain = toolchain.Poetry
		}
	}
	return toolchain.ResolveToolchain(opts)
}

func (h *host) Handshake(
	context.Context, *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (h *host) RuntimeOptionsPrompts(
	context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

func (h *host) GetRequiredPackages(
	ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	deps, err := h.pluginDependencies(ctx, req.GetInfo())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: deps}, nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	tc, err := h.toolchainFor(req.GetInfo())
	if err != nil {
		return nil, err
	}
	cmd, err := tc.Command(ctx, h.runArgs(req)...)
	if err != nil {
		return nil, err
	}
	env, err := configEnv(req)
	if err != nil {
		return nil, err
	}
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == bailExitCode {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode()),
			}, nil
		}
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// runArgs is the executor script's command line (see its argparse definition in the SDK).
func (h *host) runArgs(req *pulumirpc.RunRequest) []string {
	info := req.GetInfo()
	program := req.GetProgram()
	if info != nil && info.GetProgramDirectory() != "" {
		program = info.GetProgramDirectory()
		if entry := info.GetEntryPoint(); entry != "" && entry != "." {
			program = filepath.Join(program, entry)
		}
	}
	args := []string{
		"-u", h.execScript,
		"--monitor", req.GetMonitorAddress(),
		"--engine", h.engineAddress,
		"--project", req.GetProject(),
		"--stack", req.GetStack(),
		"--pwd", req.GetPwd(),
		"--dry_run", strconv.FormatBool(req.GetDryRun()),
		"--parallel", strconv.Itoa(int(req.GetParallel())),
	}
	if root := info.GetRootDirectory(); root != "" {
		args = append(args, "--root_directory", root)
	}
	if org := req.GetOrganization(); org != "" {
		args = append(args, "--organization", org)
	}
	args = append(args, program)
	return append(args, req.GetArgs()...)
}

// configEnv passes the stack configuration the way the SDK reads it (pulumi/runtime/config.py).
func configEnv(req *pulumirpc.RunRequest) ([]string, error) {
	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secrets, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}
	return []string{"PULUMI_CONFIG=" + string(config), "PULUMI_CONFIG_SECRET_KEYS=" + string(secrets)}, nil
}
