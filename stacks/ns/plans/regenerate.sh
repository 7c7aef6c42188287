#!/usr/bin/env bash
# Rewrite the example plan files from the example packages (run from the repository root).
# --reserve keeps the links off the VPN transit / tenant data networks of stacks/{tenant,edge}.
set -euo pipefail
P=examples/packages
ALL=(--with "$P/cloud_ns" --with "$P/edge_ns" --with "$P/cloud_vnf" --with "$P/edge_knf")
locus ns export "$P/locus_nst" "${ALL[@]}" --sites examples/sites/locus-poc.yaml \
  --place cloud_vnf=ote-core --place edge_knf=uma-edge \
  --reserve ote-core=10.100.255.0/24 --reserve uma-edge=192.168.255.0/24 \
  --id 6a1f3a52-4c1e-4d7e-9d0a-5a3c2b1e0f01 \
  --vpn-stack ote-core:uma-edge=locus/locus-vpn/ote -o stacks/ns/plans/exemplary-ote-uma.yaml
locus ns export "$P/locus_nst" "${ALL[@]}" --sites examples/sites/locus-poc.yaml \
  --place cloud_vnf=nextworks-lab-core --place edge_knf=nextworks-lab-edge \
  --reserve nextworks-lab-core=10.110.255.0/24 --reserve nextworks-lab-edge=172.20.255.0/24 \
  --id 0c9e6a1d-2b7f-4e55-8a1c-3f2d9e8b7a02 \
  --vpn-stack nextworks-lab-core:nextworks-lab-edge=locus/locus-vpn/nextworks-lab \
  -o stacks/ns/plans/exemplary-nextworks-lab.yaml
# the local testbed has no OpenStack: only the edge NS (the KNF) runs there
locus ns export "$P/edge_ns" --with "$P/edge_knf" --sites examples/sites/local.yaml \
  --place edge_knf=local-edge \
  --id 3e5d7c9b-1a2f-4b6c-8d0e-7f9a1b2c3d03 -o stacks/ns/plans/edge-local.yaml
# UMA alone: the edge NS (the KNF) on the UMA Kubernetes edge
locus ns export "$P/edge_ns" --with "$P/edge_knf" --sites examples/sites/locus-poc.yaml \
  --place edge_knf=uma-edge --reserve uma-edge=192.168.255.0/24 \
  --id 9d2e4f6a-8b1c-4d3e-a5f7-0b9c8d7e6f04 -o stacks/ns/plans/edge-uma.yaml
