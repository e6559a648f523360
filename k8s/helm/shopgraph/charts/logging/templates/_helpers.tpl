{{/* Names and labels shared by every object of the logging subchart. */}}
{{- define "logging.fullname" -}}
{{- printf "%s-logging" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "logging.labels" -}}
app.kubernetes.io/part-of: shopgraph
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "logging.logstashHosts" -}}
{{- if .Values.filebeat.logstashHosts -}}
{{ toJson .Values.filebeat.logstashHosts }}
{{- else -}}
{{ list (printf "%s-logstash.%s.svc:%v" (include "logging.fullname" .) .Release.Namespace .Values.logstash.ports.beats) | toJson }}
{{- end -}}
{{- end -}}

{{- define "logging.restrictedContainer" -}}
allowPrivilegeEscalation: false
capabilities:
  drop: [ALL]
{{- end -}}
