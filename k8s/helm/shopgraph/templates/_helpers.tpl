{{/* Names, labels and the pieces every workload template shares. */}}

{{- define "shopgraph.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "shopgraph.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The name of one component's objects: (dict "root" $ "component" "users") */}}
{{- define "shopgraph.componentName" -}}
{{- printf "%s-%s" (include "shopgraph.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "shopgraph.selectorLabels" -}}
app.kubernetes.io/name: {{ include "shopgraph.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "shopgraph.labels" -}}
{{ include "shopgraph.selectorLabels" . }}
app.kubernetes.io/part-of: shopgraph
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* The subgraph entry merged over subgraphDefaults: (dict "root" $ "name" "users") */}}
{{- define "shopgraph.subgraph" -}}
{{- $own := index .root.Values.subgraphs .name -}}
{{- toYaml (mergeOverwrite (deepCopy .root.Values.subgraphDefaults) (deepCopy $own)) -}}
{{- end -}}

{{- define "shopgraph.subgraphImage" -}}
{{- $sg := .sg -}}
{{- $tag := $sg.image.tag | default .root.Chart.AppVersion -}}
{{- if .root.Values.global.imageRegistry -}}
{{- printf "%s/%s:%s" (trimSuffix "/" .root.Values.global.imageRegistry) $sg.image.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" $sg.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{- define "shopgraph.appSecretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-app" (include "shopgraph.fullname" .)) -}}
{{- end -}}

{{/* The Secret that holds a database's url (and passwords when in-chart): (dict "root" $ "db" "users") */}}
{{- define "shopgraph.dbSecretName" -}}
{{- $db := index .root.Values.databases .db -}}
{{- $db.existingSecret | default (printf "%s-db" (include "shopgraph.componentName" (dict "root" .root "component" .db))) -}}
{{- end -}}

{{- define "shopgraph.dbHost" -}}
{{- include "shopgraph.componentName" (dict "root" .root "component" (printf "%s-db" .db)) -}}
{{- end -}}

{{/* Pod-level fields every shopgraph pod shares: (dict "root" $ "runAsUser" 10001) */}}
{{- define "shopgraph.podSecurity" -}}
automountServiceAccountToken: false
enableServiceLinks: false
{{- with .root.Values.global.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- $ctx := deepCopy .root.Values.securityDefaults.podSecurityContext }}
  {{- $_ := set $ctx "runAsUser" (int .runAsUser) }}
  {{- $_ := set $ctx "runAsGroup" (int .runAsUser) }}
  {{- /* Secret and volume files then belong to the pod's group: the users service reads its
  signing key (mode 0440), the databases write their volumes. */}}
  {{- $_ := set $ctx "fsGroup" (int .runAsUser) }}
  {{- toYaml $ctx | nindent 2 }}
{{- end -}}

{{- define "shopgraph.containerSecurity" -}}
securityContext:
  {{- toYaml .Values.securityDefaults.containerSecurityContext | nindent 2 }}
{{- end -}}

{{/* Spread replicas over nodes: (dict "root" $ "component" "router") */}}
{{- define "shopgraph.topologySpread" -}}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "shopgraph.selectorLabels" . | nindent 8 }}
  - maxSkew: 1
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "shopgraph.selectorLabels" . | nindent 8 }}
{{- end -}}

{{/* Pod annotations: scrape hints, a config checksum, the user's own: (dict "root" $ "port" 4001 "extra" .podAnnotations "checksum" "") */}}
{{- define "shopgraph.podAnnotations" -}}
{{- $annotations := dict -}}
{{- if .checksum }}{{ $_ := set $annotations "checksum/config" .checksum }}{{ end -}}
{{- if .root.Values.observability.scrapeAnnotations -}}
{{- $_ := set $annotations "prometheus.io/scrape" "true" -}}
{{- $_ := set $annotations "prometheus.io/port" (toString .port) -}}
{{- $_ := set $annotations "prometheus.io/path" "/metrics" -}}
{{- end -}}
{{- with .extra }}{{ $annotations = merge (deepCopy .) $annotations }}{{ end -}}
{{- if $annotations }}{{ toYaml $annotations }}{{ end -}}
{{- end -}}

{{/* Environment of a subgraph container, also used by its hook Jobs: (dict "root" $ "name" "users" "sg" $sg) */}}
{{- define "shopgraph.subgraphEnv" -}}
{{- $root := .root -}}
{{- $fullname := include "shopgraph.fullname" $root -}}
- name: ENVIRONMENT
  value: production
- name: SERVICE
  value: {{ .name }}
- name: HOST
  value: "0.0.0.0"
- name: PORT
  value: {{ .sg.port | quote }}
- name: SHOPGRAPH_DATA_DIR
  value: /tmp/shopgraph
- name: JWKS_URL
  value: {{ printf "http://%s-users:%d/.well-known/jwks.json" $fullname (int $root.Values.subgraphs.users.port) | quote }}
{{- with $root.Values.observability.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
- name: GATEWAY_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ include "shopgraph.appSecretName" $root }}
      key: gateway-token
{{- if has .name (list "products" "orders") }}
- name: INTERNAL_SERVICE_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ include "shopgraph.appSecretName" $root }}
      key: internal-service-token
{{- end }}
{{- if eq .name "users" }}
- name: JWT_PRIVATE_KEY_FILE
  value: /etc/shopgraph/keys/jwt-private-key.pem
{{- with .sg.adminSecret }}
- name: SHOPGRAPH_ADMIN_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: admin-password
{{- end }}
{{- end }}
{{- if eq .name "orders" }}
- name: PRODUCTS_INTERNAL_URL
  value: {{ printf "http://%s-products:%d" $fullname (int $root.Values.subgraphs.products.port) | quote }}
{{- end }}
{{- if eq .name "products" }}
- name: MONGODB_URL
{{- else }}
- name: DATABASE_URL
{{- end }}
  valueFrom:
    secretKeyRef:
      name: {{ include "shopgraph.dbSecretName" (dict "root" $root "db" .name) }}
      key: url
{{- if ne .name "products" }}
- name: MIGRATE_ON_START
  value: "false"
{{- end }}
{{- range $key, $value := .sg.config }}
- name: {{ $key }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- range $key, $value := .sg.extraEnv }}
- name: {{ $key }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{/* Volumes of a subgraph pod: a writable /tmp, and the signing key for users. */}}
{{- define "shopgraph.subgraphVolumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- if eq .name "users" }}
- name: jwt-key
  secret:
    secretName: {{ include "shopgraph.appSecretName" .root }}
    defaultMode: 0440
    items:
      - key: jwt-private-key.pem
        path: jwt-private-key.pem
{{- end }}
{{- end -}}

{{- define "shopgraph.subgraphVolumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if eq .name "users" }}
- name: jwt-key
  mountPath: /etc/shopgraph/keys
  readOnly: true
{{- end }}
{{- end -}}

{{/* A random secret value that survives upgrades: (dict "existing" $secretOrNil "key" "k" "length" 48) */}}
{{- define "shopgraph.keepOrGenerate" -}}
{{- if and .existing (hasKey .existing.data .key) -}}
{{- index .existing.data .key -}}
{{- else -}}
{{- randAlphaNum (int .length) | b64enc -}}
{{- end -}}
{{- end -}}

{{/* A NetworkPolicy peer: pods of this release with the given labels. */}}
{{- define "shopgraph.peer" -}}
- podSelector:
    matchLabels:
      app.kubernetes.io/name: {{ .name }}
      app.kubernetes.io/instance: {{ .instance }}
      {{- range $k, $v := .labels }}
      {{ $k }}: {{ $v }}
      {{- end }}
{{- end -}}
{{- define "shopgraph.dnsEgress" -}}
- to:
    {{- toYaml .dnsPeers | nindent 4 }}
  ports:
    - {protocol: UDP, port: 53}
    - {protocol: TCP, port: 53}
{{- end -}}

{{/*
Checkov's CKV_K8S_40 wants UIDs of 10000 and up; the official router, MySQL and MongoDB images
own their files as a lower UID, so running as that user is the safer choice there. The skip is
rendered only while the UID really is below 10000: (dict "uid" 999 "image" "MySQL")
*/}}
{{- define "shopgraph.lowUidSkip" -}}
{{- if lt (int .uid) 10000 -}}
checkov.io/skip1: CKV_K8S_40=the official {{ .image }} image owns its files as UID {{ .uid }}
{{- end -}}
{{- end -}}
