{{/* Names and labels shared by every object of the tracing subchart. */}}
{{- define "tracing.fullname" -}}
{{- printf "%s-tracing-collector" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tracing.labels" -}}
app.kubernetes.io/part-of: shopgraph
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/name: otel-collector
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}
