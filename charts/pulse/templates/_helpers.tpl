{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "pulse.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name; the release name alone when it already contains the chart name. */}}
{{- define "pulse.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* A component's resource name: <fullname>-<component>, at most 63 characters;
     the fullname is shortened, never the component, so that names stay distinct. */}}
{{- define "pulse.componentName" -}}
{{- $suffix := printf "-%s" .component }}
{{- printf "%s%s" (include "pulse.fullname" .root | trunc (int (sub 63 (len $suffix))) | trimSuffix "-") $suffix }}
{{- end }}

{{- define "pulse.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Common labels; call with (dict "root" $ "component" "operator"). */}}
{{- define "pulse.labels" -}}
helm.sh/chart: {{ include "pulse.chart" .root }}
{{ include "pulse.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: pulse
{{- end }}

{{/* Minimal, immutable selector labels. */}}
{{- define "pulse.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pulse.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "pulse.operator.serviceAccountName" -}}
{{- if .Values.operator.serviceAccount.create }}
{{- default (include "pulse.componentName" (dict "root" . "component" "operator")) .Values.operator.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.operator.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Names of the data services and of the Secrets holding their credentials. */}}
{{- define "pulse.postgres.cluster" -}}{{ include "pulse.componentName" (dict "root" . "component" "postgres") }}{{- end }}
{{- define "pulse.postgres.adminSecret" -}}{{ .Values.postgres.admin.existingSecret | default (printf "%s-superuser" (include "pulse.postgres.cluster" .)) }}{{- end }}
{{- define "pulse.qdrant.name" -}}{{ include "pulse.componentName" (dict "root" . "component" "qdrant") }}{{- end }}
{{- define "pulse.qdrant.secret" -}}{{ .Values.qdrant.apiKey.existingSecret | default (include "pulse.qdrant.name" .) }}{{- end }}
{{- define "pulse.redis.name" -}}{{ include "pulse.componentName" (dict "root" . "component" "redis") }}{{- end }}
{{- define "pulse.redis.secret" -}}{{ .Values.redis.auth.existingSecret | default (include "pulse.redis.name" .) }}{{- end }}

{{/* Restricted-profile security contexts used by every workload. */}}
{{- define "pulse.podSecurityContext" -}}
runAsNonRoot: true
seccompProfile:
  type: RuntimeDefault
{{- end }}
{{- define "pulse.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end }}

{{/* A random secret value that survives upgrades: reuse the live one if any. */}}
{{- define "pulse.secretValue" -}}
{{- $existing := lookup "v1" "Secret" .namespace .name }}
{{- if and $existing (index $existing.data .key) }}
{{- index $existing.data .key }}
{{- else }}
{{- randAlphaNum 32 | b64enc }}
{{- end }}
{{- end }}

{{/* host:port of the PostgreSQL read-write and read-only services. */}}
{{- define "pulse.postgres.rwHost" -}}
{{- .Values.postgres.externalHosts.readWrite | default (printf "%s-rw.%s.svc:5432" (include "pulse.postgres.cluster" .) .Release.Namespace) }}
{{- end }}
{{- define "pulse.postgres.roHost" -}}
{{- .Values.postgres.externalHosts.readOnly | default (printf "%s-ro.%s.svc:5432" (include "pulse.postgres.cluster" .) .Release.Namespace) }}
{{- end }}
{{- define "pulse.redis.host" -}}{{ printf "%s.%s.svc:6379" (include "pulse.redis.name" .) .Release.Namespace }}{{- end }}
{{- define "pulse.qdrant.url" -}}{{ printf "http://%s.%s.svc:6333" (include "pulse.qdrant.name" .) .Release.Namespace }}{{- end }}

{{/* The backend and its Secrets. */}}
{{- define "pulse.backend.name" -}}{{ include "pulse.componentName" (dict "root" . "component" "backend") }}{{- end }}
{{- define "pulse.backend.jwtSecret" -}}{{ .Values.backend.jwt.existingSecret | default (include "pulse.componentName" (dict "root" . "component" "backend-jwt")) }}{{- end }}
{{- define "pulse.backend.encryptionSecret" -}}{{ .Values.backend.encryption.existingSecret | default (include "pulse.componentName" (dict "root" . "component" "backend-encryption")) }}{{- end }}
{{- define "pulse.backend.databaseSecret" -}}{{ .Values.backend.database.existingSecret | default (include "pulse.componentName" (dict "root" . "component" "backend-db")) }}{{- end }}

{{/* The web app (static files behind the Ingress route /). */}}
{{- define "pulse.frontend.name" -}}{{ include "pulse.componentName" (dict "root" . "component" "frontend") }}{{- end }}

{{/* Labels every pod of this release carries, minus the component (JSON, for the operator's NetworkPolicies). */}}
{{- define "pulse.platformPodLabels" -}}
{{- dict "app.kubernetes.io/name" (include "pulse.name" .) "app.kubernetes.io/instance" (.Release.Name | trunc 63 | trimSuffix "-") | toJson }}
{{- end }}

{{/* Pod selector of some components of this release: (dict "root" $ "components" (list ...)). */}}
{{- define "pulse.podsOf" -}}
podSelector:
  matchLabels:
    app.kubernetes.io/name: {{ include "pulse.name" .root }}
    app.kubernetes.io/instance: {{ .root.Release.Name | trunc 63 | trimSuffix "-" }}
  matchExpressions:
    - {key: app.kubernetes.io/component, operator: In, values: {{ toJson .components }}}
{{- end }}
