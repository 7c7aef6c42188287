{{/* Name of every object of the release: <release>-edge-cache, at most 63 characters. */}}
{{- define "edge-cache.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels that select the pods of the release (seed Figure 36: app: vcache-edge). */}}
{{- define "edge-cache.selector" -}}
app: vcache-edge
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Multus networks annotation: JSON form, so that fixed cache addresses can be asked for. */}}
{{- define "edge-cache.networks" -}}
{{- $default := .Values.networks.namespace -}}
{{- $user := dict "name" .Values.networks.user "namespace" (.Values.networks.userNamespace | default $default) -}}
{{- $cache := dict "name" .Values.networks.cache "namespace" (.Values.networks.cacheNamespace | default $default) -}}
{{- if .Values.networks.cacheIps -}}
{{- $_ := set $cache "ips" .Values.networks.cacheIps -}}
{{- end -}}
{{- list $user $cache | toJson -}}
{{- end -}}
