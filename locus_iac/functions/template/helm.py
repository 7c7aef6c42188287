"""The Helm chart skeleton generated for container functions (seed §4.3.2-4.3.3).

The templates are the same for every function: everything specific to a function (image,
command, ports, probes, Prometheus scrape, resources, configuration) lives in
``values.yaml``, which :func:`chart_files` fills from the template. Configuration
parameters become container environment variables ``LOCUS_FN_<NAME>``.
"""

from __future__ import annotations

import math
from textwrap import shorten
from typing import Any

import yaml

from locus_iac.functions.template.model import FunctionTemplate

ENV_PREFIX = "LOCUS_FN_"
DATA_MOUNT = "/data"

_HELPERS = """\
{{/* Names and labels shared by the templates. */}}
{{- define "locus-fn.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "locus-fn.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "locus-fn.labels" -}}
{{ include "locus-fn.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}
"""

_SCRAPE = """\
        prometheus.io/scrape: "true"
        prometheus.io/port: {{ .Values.metrics.port | quote }}
        prometheus.io/path: {{ .Values.metrics.path | quote }}
"""

_DEPLOYMENT = (
    """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "locus-fn.fullname" . }}
  labels:
    {{- include "locus-fn.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels:
      {{- include "locus-fn.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "locus-fn.selectorLabels" . | nindent 8 }}
      {{- if .Values.metrics.enabled }}
      annotations:
"""
    + _SCRAPE
    + """\
      {{- end }}
    spec:
      containers:
        - name: {{ .Chart.Name }}
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          {{- with .Values.command }}
          command:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          ports:
            {{- range .Values.containerPorts }}
            - name: {{ .name }}
              containerPort: {{ .port }}
              protocol: {{ .protocol }}
            {{- end }}
          env:
            {{- range $key, $value := .Values.config }}
            - name: {{ printf "LOCUS_FN_%s" ($key | upper) }}
              value: {{ $value | quote }}
            {{- end }}
          {{- with .Values.probes }}
          livenessProbe:
            httpGet:
              path: {{ .path }}
              port: {{ .port }}
            initialDelaySeconds: 5
            periodSeconds: 10
          readinessProbe:
            httpGet:
              path: {{ .path }}
              port: {{ .port }}
            periodSeconds: 5
          {{- end }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
          volumeMounts:
            - name: data
              mountPath: {{ .Values.dataMountPath }}
      volumes:
        - name: data
          emptyDir: {}
"""
)

_SERVICE = (
    """\
apiVersion: v1
kind: Service
metadata:
  name: {{ include "locus-fn.fullname" . }}
  labels:
    {{- include "locus-fn.labels" . | nindent 4 }}
  {{- if .Values.metrics.enabled }}
  annotations:
"""
    + _SCRAPE.replace("        ", "    ")
    + """\
  {{- end }}
spec:
  type: {{ .Values.service.type }}
  selector:
    {{- include "locus-fn.selectorLabels" . | nindent 4 }}
  ports:
    {{- range .Values.containerPorts }}
    - name: {{ .name }}
      port: {{ .port }}
      targetPort: {{ .name }}
      protocol: {{ .protocol }}
    {{- end }}
"""
)


def _brief(text: str) -> str:
    return shorten(text, 200, placeholder="...")


def _semver(version: str) -> str:
    parts = [p for p in version.split(".") if p.isdigit()][:3]
    while len(parts) < 3:
        parts.append("0")
    return ".".join(parts)


def _image(image: str) -> tuple[str, str]:
    repository, sep, tag = image.rpartition(":")
    if not sep or "/" in tag:
        return image, "latest"
    return repository, tag


def _ports(template: FunctionTemplate) -> list[dict[str, Any]]:
    ports: dict[int, dict[str, Any]] = {}
    for interface in template.interfaces:
        proto = "UDP" if interface.protocol == "udp" else "TCP"
        ports.setdefault(
            interface.port, {"name": interface.name[:15], "port": interface.port, "protocol": proto}
        )
    return list(ports.values())


def values(template: FunctionTemplate) -> dict[str, Any]:
    """The chart's ``values.yaml`` content for ``template``."""
    repository, tag = _image(template.deployment.image)
    res = template.requirements.resources
    cpu = f"{math.ceil(res.vcpu * 1000)}m"
    amount = {"cpu": cpu, "memory": f"{res.memory_mib}Mi"}
    health = template.interface("health")
    scrape = None
    if template.monitoring is not None:
        name = template.monitoring.scrape_interface
        scrape = (
            next((i for i in template.interfaces if i.name == name), None)
            if name
            else template.interface("metrics")
        )
    return {
        "image": {"repository": repository, "tag": tag, "pullPolicy": "IfNotPresent"},
        "command": list(template.deployment.command),
        "replicaCount": template.deployment.replicas,
        "containerPorts": _ports(template),
        "service": {"type": "ClusterIP"},
        "probes": {"path": health.path or "/", "port": health.port} if health else None,
        "metrics": {
            "enabled": scrape is not None,
            "port": scrape.port if scrape else 0,
            "path": (scrape.path or "/metrics") if scrape else "/metrics",
        },
        "resources": {"requests": dict(amount), "limits": dict(amount)},
        "config": {
            p.name: p.default
            for p in template.requirements.configuration.parameters
            if p.default is not None
        },
        "dataMountPath": DATA_MOUNT,
    }


def chart_files(template: FunctionTemplate) -> dict[str, str]:
    """Relative path (inside the chart folder) -> text of every chart file."""
    chart = {
        "apiVersion": "v2",
        "name": template.name,
        "description": _brief(template.description),
        "type": "application",
        "version": _semver(template.version),
        "appVersion": template.version,
    }
    header = f"# Values of the {template.name} chart, generated from its function template.\n"
    return {
        "Chart.yaml": yaml.safe_dump(chart, sort_keys=False),
        "values.yaml": header + yaml.safe_dump(values(template), sort_keys=False),
        "templates/_helpers.tpl": _HELPERS,
        "templates/deployment.yaml": _DEPLOYMENT,
        "templates/service.yaml": _SERVICE,
        ".helmignore": ".git/\n*.swp\n*.bak\n",
    }
