{{/* Names, labels and the pieces every loco workload shares. */}}

{{- define "loco.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* <release>-loco, or just the release name when it already contains "loco". */}}
{{- define "loco.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Name of a component's objects: <fullname>-<component>. Usage: include "loco.componentName" (list . "operator") */}}
{{- define "loco.componentName" -}}
{{- $root := index . 0 -}}
{{- printf "%s-%s" (include "loco.fullname" $root) (index . 1) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "loco.labels" -}}
{{- $root := index . 0 -}}
helm.sh/chart: {{ printf "%s-%s" $root.Chart.Name $root.Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
app.kubernetes.io/part-of: loco
app.kubernetes.io/version: {{ $root.Chart.AppVersion | quote }}
{{ include "loco.selectorLabels" . }}
{{- with $root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "loco.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ include "loco.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "loco.serviceAccountName" -}}
{{- $root := index . 0 -}}
{{- $component := index . 1 -}}
{{- $sa := (index $root.Values $component).serviceAccount -}}
{{- if $sa.create -}}
{{- default (include "loco.componentName" (list $root $component)) $sa.name -}}
{{- else -}}
{{- default "default" $sa.name -}}
{{- end -}}
{{- end -}}

{{- define "loco.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* Environment every loco process reads: the database DSN and OpenTelemetry. Usage: (list . "operator") */}}
{{- define "loco.commonEnv" -}}
{{- $root := index . 0 -}}
{{- $component := index . 1 -}}
{{- with $root.Values.database.existingSecret }}
- name: LOCO_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $root.Values.database.key }}
{{- end }}
{{- if $root.Values.otlp.endpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ $root.Values.otlp.endpoint | quote }}
- name: OTEL_EXPORTER_OTLP_PROTOCOL
  value: {{ $root.Values.otlp.protocol | quote }}
- name: OTEL_SERVICE_NAME
  value: loco-{{ $component }}
{{- $attributes := list (printf "service.namespace=%s" $root.Release.Namespace) -}}
{{- range $key, $value := $root.Values.otlp.resourceAttributes }}
{{- $attributes = append $attributes (printf "%s=%s" $key $value) -}}
{{- end }}
- name: OTEL_RESOURCE_ATTRIBUTES
  value: {{ join "," $attributes | quote }}
{{- with $root.Values.otlp.headers.existingSecret }}
- name: OTEL_EXPORTER_OTLP_HEADERS
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $root.Values.otlp.headers.key }}
{{- end }}
{{- else }}
- name: OTEL_SDK_DISABLED
  value: "true"
{{- end }}
{{- end -}}

{{/*
The key-encryption key, only for the processes that encrypt or decrypt secrets: the operator (its mirror writes
secret values), the resurrector (it restores them) and the API (it seals webhook signing secrets and opens them to
sign deliveries; it never reads secret values in the database).
*/}}
{{- define "loco.kekEnv" -}}
{{- if .Values.kek.existingSecret }}
- name: LOCO_KEK_FILE
  value: /etc/loco/kek/{{ .Values.kek.key }}
{{- end }}
{{- end -}}

{{- define "loco.kekVolumeMount" -}}
{{- if .Values.kek.existingSecret }}
- name: kek
  mountPath: /etc/loco/kek
  readOnly: true
{{- end }}
{{- end -}}

{{- define "loco.kekVolume" -}}
{{- if .Values.kek.existingSecret }}
- name: kek
  secret:
    secretName: {{ .Values.kek.existingSecret }}
    defaultMode: 0400
    items:
      - key: {{ .Values.kek.key }}
        path: {{ .Values.kek.key }}
{{- end }}
{{- end -}}

{{/* Egress every loco pod needs: DNS, the kube-apiserver, and (when configured) Postgres and OTLP. */}}
{{- define "loco.egress" -}}
{{- $np := .Values.networkPolicy -}}
- ports:
    - { protocol: UDP, port: 53 }
    - { protocol: TCP, port: 53 }
- ports:
  {{- range $np.apiServer.ports }}
    - { protocol: TCP, port: {{ . }} }
  {{- end }}
  {{- with $np.apiServer.cidrs }}
  to:
    {{- range . }}
    - ipBlock: { cidr: {{ . | quote }} }
    {{- end }}
  {{- end }}
{{- if .Values.database.existingSecret }}
- ports:
    - { protocol: TCP, port: {{ $np.database.port }} }
  {{- with $np.database.cidrs }}
  to:
    {{- range . }}
    - ipBlock: { cidr: {{ . | quote }} }
    {{- end }}
  {{- end }}
{{- end }}
{{- if .Values.otlp.endpoint }}
- ports:
  {{- range $np.otlp.ports }}
    - { protocol: TCP, port: {{ . }} }
  {{- end }}
{{- end }}
{{- with $np.extraEgress }}
{{ toYaml . }}
{{- end }}
{{- end -}}
