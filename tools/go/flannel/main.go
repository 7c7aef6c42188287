// Command flanneld is the flannel daemon of the real node's "flannel" primary network, written
// on flannel's library packages: the Kubernetes subnet manager (each node's lease is the pod
// CIDR of its Node object), the vxlan and host-gw backends, and the iptables traffic manager.
//
// flannel's own main package registers every backend, the Tencent Cloud VPC backend among them,
// whose SDK module the Go module proxy refuses: this command registers only the backends a
// site here uses, so that it builds from what the proxy serves. Its flags are a subset of
// upstream flanneld's with the same names and meanings.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/flannel-io/flannel/pkg/backend"
	_ "github.com/flannel-io/flannel/pkg/backend/hostgw"
	_ "github.com/flannel-io/flannel/pkg/backend/vxlan"
	"github.com/flannel-io/flannel/pkg/ip"
	"github.com/flannel-io/flannel/pkg/ipmatch"
	"github.com/flannel-io/flannel/pkg/subnet"
	"github.com/flannel-io/flannel/pkg/subnet/kube"
	"github.com/flannel-io/flannel/pkg/trafficmngr/iptables"
	"github.com/flannel-io/flannel/pkg/version"
)

type options struct {
	kubeSubnetMgr    bool
	kubeconfig       string
	apiURL           string
	annotationPrefix string
	netConfPath      string
	subnetFile       string
	iface            string
	ipMasq           bool
	resyncSeconds    int
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("flanneld", flag.ContinueOnError)
	fs.BoolVar(&o.kubeSubnetMgr, "kube-subnet-mgr", false, "take the node's subnet from the Kubernetes API (required: the only subnet manager built in)")
	fs.StringVar(&o.kubeconfig, "kubeconfig-file", "", "kubeconfig of the node's identity")
	fs.StringVar(&o.apiURL, "kube-api-url", "", "Kubernetes API server URL (default: the kubeconfig's)")
	fs.StringVar(&o.annotationPrefix, "kube-annotation-prefix", "flannel.alpha.coreos.com", "prefix of the Node annotations flannel writes")
	fs.StringVar(&o.netConfPath, "net-config-path", "/etc/kube-flannel/net-conf.json", "the network configuration (Network, Backend)")
	fs.StringVar(&o.subnetFile, "subnet-file", "/run/flannel/subnet.env", "file the node's subnet, MTU and masquerade setting are written to")
	fs.StringVar(&o.iface, "iface", "", "interface (name or address) the tunnels use (default: the default route's)")
	fs.BoolVar(&o.ipMasq, "ip-masq", false, "masquerade traffic leaving the flannel network")
	fs.IntVar(&o.resyncSeconds, "iptables-resync", 5, "seconds between checks of the iptables rules")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if !o.kubeSubnetMgr {
		return o, errors.New("--kube-subnet-mgr is required (this flanneld has no etcd subnet manager)")
	}
	if os.Getenv("NODE_NAME") == "" {
		return o, errors.New("NODE_NAME must name this node's Node object")
	}
	return o, nil
}

// networkConfig waits until the subnet manager has the network configuration (the Node's pod
// CIDR may not be allocated yet).
func networkConfig(ctx context.Context, sm subnet.Manager) (*subnet.Config, error) {
	for {
		config, err := sm.GetNetworkConfig(ctx)
		if err == nil && config != nil {
			return config, nil
		}
		fmt.Fprintf(os.Stderr, "flanneld: waiting for the network configuration: %v\n", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

func externalInterface(o options, config *subnet.Config) (*backend.ExternalInterface, error) {
	stack, err := ipmatch.GetIPFamily(config.EnableIPv4, config.EnableIPv6)
	if err != nil {
		return nil, err
	}
	return ipmatch.LookupExtIface(o.iface, "", "", stack, ipmatch.PublicIPOpts{})
}

func run(ctx context.Context, o options) error {
	sm, err := kube.NewSubnetManager(ctx, o.apiURL, o.kubeconfig, o.annotationPrefix, o.netConfPath, true)
	if err != nil {
		return fmt.Errorf("subnet manager: %w", err)
	}
	config, err := networkConfig(ctx, sm)
	if err != nil {
		return err
	}
	if config.EnableNFTables {
		return errors.New("EnableNFTables: this flanneld manages iptables rules only")
	}
	extIface, err := externalInterface(o, config)
	if err != nil {
		return fmt.Errorf("tunnel interface: %w", err)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	be, err := backend.NewManager(ctx, sm, extIface).GetBackend(config.BackendType)
	if err != nil {
		return fmt.Errorf("backend %q (built in: vxlan, host-gw): %w", config.BackendType, err)
	}
	network, err := be.RegisterNetwork(ctx, &wg, config)
	if err != nil {
		return fmt.Errorf("registering the network: %w", err)
	}
	rules := &iptables.IPTablesManager{}
	if err := rules.Init(ctx); err != nil {
		return fmt.Errorf("iptables: %w", err)
	}
	lease := network.Lease()
	if o.ipMasq {
		none4, none6 := ip.IP4Net{}, ip.IP6Net{}
		if err := rules.SetupAndEnsureMasqRules(ctx, config.Network, none4, none4, config.IPv6Network,
			none6, none6, lease, o.resyncSeconds, false); err != nil {
			return fmt.Errorf("masquerade rules: %w", err)
		}
	}
	rules.SetupAndEnsureForwardRules(ctx, config.Network, config.IPv6Network, o.resyncSeconds)
	if err := sm.HandleSubnetFile(o.subnetFile, config, o.ipMasq, lease.Subnet, lease.IPv6Subnet, network.MTU()); err != nil {
		return fmt.Errorf("writing %s: %w", o.subnetFile, err)
	}
	fmt.Fprintf(os.Stderr, "flanneld: node subnet %s (backend %s, MTU %d) written to %s\n",
		lease.Subnet, config.BackendType, network.MTU(), o.subnetFile)
	wg.Add(1)
	go func() {
		defer wg.Done()
		network.Run(ctx)
	}()
	if err := sm.CompleteLease(ctx, lease, &wg); err != nil && ctx.Err() == nil {
		return fmt.Errorf("lease: %w", err)
	}
	<-ctx.Done()
	return nil
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "--version" {
		fmt.Println(version.Version)
		return
	}
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "flanneld: %v\n", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintf(os.Stderr, "flanneld: %v\n", err)
		stop()
		os.Exit(1)
	}
}
