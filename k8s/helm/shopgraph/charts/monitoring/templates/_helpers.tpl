{{/* Resource names: <release>-monitoring-<part>, at most 63 characters. */}}
{{- define "monitoring.name" -}}
{{- printf "%s-monitoring-%s" .root.Release.Name .part | trunc 63 | trimSuffix "-" -}}
{{- end }}

{{- define "monitoring.labels" -}}
app.kubernetes.io/name: {{ .Values.appName }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: monitoring
app.kubernetes.io/part-of: shopgraph
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- with .Values.extraLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The Prometheus Operator's CRDs are installed. */}}
{{- define "monitoring.operator" -}}
{{- if .Capabilities.APIVersions.Has "monitoring.coreos.com/v1" }}true{{ end }}
{{- end }}
