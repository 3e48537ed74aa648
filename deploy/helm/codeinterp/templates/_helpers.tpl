{{/*
Shared named templates. Every define is namespaced with "codeinterp.".
Component templates call them with a dict: (dict "root" $ "component" "<name>" "values" .Values.<key>).
*/}}

{{- define "codeinterp.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "codeinterp.fullname" -}}
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

{{- define "codeinterp.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Name of a component's objects: <fullname>-<component> (component names are short). */}}
{{- define "codeinterp.componentName" -}}
{{- printf "%s-%s" (include "codeinterp.fullname" .root | trunc 45 | trimSuffix "-") .component }}
{{- end }}

{{- define "codeinterp.selectorLabels" -}}
app.kubernetes.io/name: {{ include "codeinterp.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "codeinterp.labels" -}}
helm.sh/chart: {{ include "codeinterp.chart" .root }}
{{ include "codeinterp.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: codeinterp
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end }}

{{/* Release-wide selector (all pods of this release, Ray pods included). */}}
{{- define "codeinterp.releaseSelector" -}}
app.kubernetes.io/name: {{ include "codeinterp.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Image string: [registry/]repository:tag, tag from values, then image.tag, then appVersion. */}}
{{- define "codeinterp.image" -}}
{{- $g := .root.Values.image }}
{{- $tag := .values.image.tag | default $g.tag | default .root.Chart.AppVersion }}
{{- if $g.registry }}
{{- printf "%s/%s:%s" (trimSuffix "/" $g.registry) .values.image.repository $tag }}
{{- else }}
{{- printf "%s:%s" .values.image.repository $tag }}
{{- end }}
{{- end }}

{{- define "codeinterp.serviceAccountName" -}}
{{- if .values.serviceAccount.create }}
{{- default (include "codeinterp.componentName" .) .values.serviceAccount.name }}
{{- else }}
{{- default "default" .values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "codeinterp.serviceAccount" -}}
{{- if .values.serviceAccount.create }}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "codeinterp.serviceAccountName" . }}
  labels:
    {{- include "codeinterp.labels" . | nindent 4 }}
  {{- with .values.serviceAccount.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
automountServiceAccountToken: {{ .values.automountServiceAccountToken }}
{{- end }}
{{- end }}

{{/* Restricted Pod Security Standard: pod level. */}}
{{- define "codeinterp.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.runAsUser }}
runAsGroup: {{ .Values.runAsUser }}
fsGroup: {{ .Values.runAsUser }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Restricted Pod Security Standard: container level. */}}
{{- define "codeinterp.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: ["ALL"]
{{- end }}

{{- define "codeinterp.configName" -}}
{{- printf "%s-config" (include "codeinterp.fullname" .) }}
{{- end }}

{{/* Address helpers. */}}
{{- define "codeinterp.grpcAddr" -}}
{{- printf "%s:%d" (include "codeinterp.componentName" .) (int .values.ports.grpc) }}
{{- end }}

{{- define "codeinterp.rayClusterName" -}}
{{- default (printf "%s-ray" (include "codeinterp.fullname" .) | trunc 40 | trimSuffix "-") .Values.rayCluster.name }}
{{- end }}

{{- define "codeinterp.rayNamespace" -}}
{{- if .Values.rayCluster.enabled }}{{ .Release.Namespace }}{{ else }}{{ default .Release.Namespace .Values.externalRay.namespace }}{{ end }}
{{- end }}

{{- define "codeinterp.rayAuthSecretName" -}}
{{- default (include "codeinterp.rayClusterName" .) .Values.secrets.rayAuthToken.secretName }}
{{- end }}

{{/* Pod annotations: roll pods when the ConfigMap changes. */}}
{{- define "codeinterp.podAnnotations" -}}
checksum/config: {{ include (print .root.Template.BasePath "/configmap.yaml") .root | sha256sum }}
{{- with .values.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Environment shared by every codeinterp container: ports, optional secret references, extra env.
*/}}
{{- define "codeinterp.env" -}}
{{- $s := .root.Values.secrets -}}
- name: CODEINTERP_GRPC_PORT
  value: {{ .values.ports.grpc | quote }}
- name: CODEINTERP_METRICS_PORT
  value: {{ .values.ports.metrics | quote }}
{{- if $s.databaseUrl.secretName }}
- name: CODEINTERP_DATABASE_URL
  valueFrom:
    secretKeyRef: {name: {{ $s.databaseUrl.secretName | quote }}, key: {{ $s.databaseUrl.key | quote }}}
{{- end }}
{{- if $s.serviceToken.secretName }}
- name: CODEINTERP_SERVICE_TOKEN
  valueFrom:
    secretKeyRef: {name: {{ $s.serviceToken.secretName | quote }}, key: {{ $s.serviceToken.key | quote }}}
{{- end }}
{{- range $k, $v := .values.env }}
- name: {{ $k }}
  value: {{ $v | quote }}
{{- end }}
{{- end }}

{{- define "codeinterp.envFrom" -}}
- configMapRef:
    name: {{ include "codeinterp.configName" .root }}
{{- end }}

{{- define "codeinterp.volumeMounts" -}}
- {name: tmp, mountPath: /tmp}
- {name: data, mountPath: /var/lib/codeinterp}
{{- end }}

{{- define "codeinterp.volumes" -}}
- name: tmp
  emptyDir: {sizeLimit: {{ .root.Values.tmpSizeLimit }}}
{{- if .values.dataClaim }}
- name: data
  persistentVolumeClaim: {claimName: {{ .values.dataClaim | quote }}}
{{- else }}
- name: data
  emptyDir: {}
{{- end }}
{{- end }}

{{- define "codeinterp.lifecycle" -}}
{{- if gt (int .Values.preStopSleepSeconds) 0 -}}
lifecycle:
  preStop:
    sleep: {seconds: {{ .Values.preStopSleepSeconds }}}
{{- end }}
{{- end }}

{{/* Native gRPC probe (overall health, service ""). Expects dict root/values/kind. */}}
{{- define "codeinterp.grpcProbe" -}}
grpc: {port: {{ .values.ports.grpc }}, service: ""}
periodSeconds: {{ .root.Values.probes.periodSeconds }}
timeoutSeconds: {{ .root.Values.probes.timeoutSeconds }}
failureThreshold: {{ .root.Values.probes.failureThreshold }}
{{- end }}

{{- define "codeinterp.startupProbe" -}}
grpc: {port: {{ .values.ports.grpc }}, service: ""}
periodSeconds: {{ .values.startupProbe.periodSeconds }}
timeoutSeconds: {{ .root.Values.probes.timeoutSeconds }}
failureThreshold: {{ .values.startupProbe.failureThreshold }}
{{- end }}

{{/* Pod-level scheduling and identity fields shared by the Deployments. */}}
{{- define "codeinterp.podCommon" -}}
serviceAccountName: {{ include "codeinterp.serviceAccountName" . }}
automountServiceAccountToken: {{ .values.automountServiceAccountToken }}
terminationGracePeriodSeconds: {{ .root.Values.terminationGracePeriodSeconds }}
securityContext:
  {{- include "codeinterp.podSecurityContext" .root | nindent 2 }}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
{{- with .values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Deployment metadata + spec header up to the pod template spec (shared by all services). */}}
{{- define "codeinterp.deploymentHeader" -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "codeinterp.componentName" . }}
  labels:
    {{- include "codeinterp.labels" . | nindent 4 }}
spec:
  {{- if not .values.autoscaling.enabled }}
  replicas: {{ .values.replicas }}
  {{- end }}
  revisionHistoryLimit: 3
  selector:
    matchLabels:
      {{- include "codeinterp.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "codeinterp.labels" . | nindent 8 }}
      annotations:
        {{- include "codeinterp.podAnnotations" . | nindent 8 }}
{{- end }}

{{/* ClusterIP Service for a backend: gRPC (h2c) + metrics. */}}
{{- define "codeinterp.backendService" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "codeinterp.componentName" . }}
  labels:
    {{- include "codeinterp.labels" . | nindent 4 }}
  {{- with .values.service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: ClusterIP
  selector:
    {{- include "codeinterp.selectorLabels" . | nindent 4 }}
  ports:
    - {name: grpc, port: {{ .values.ports.grpc }}, targetPort: grpc, appProtocol: kubernetes.io/h2c}
    - {name: metrics, port: {{ .values.ports.metrics }}, targetPort: metrics}
{{- end }}

{{/* Pod template of a Ray head or worker (restricted security context, writable /tmp and /dev/shm). */}}
{{- define "codeinterp.rayPodTemplate" -}}
{{- $root := .root -}}
metadata:
  labels:
    {{- include "codeinterp.labels" (dict "root" $root "component" (printf "ray-%s" .node)) | nindent 4 }}
spec:
  serviceAccountName: {{ .sa }}
  {{- /* The in-tree autoscaler sidecar in the head pod talks to the Kubernetes API. */}}
  automountServiceAccountToken: {{ and (eq .node "head") .r.enableInTreeAutoscaling }}
  securityContext:
    runAsNonRoot: true
    runAsUser: {{ .r.runAsUser }}
    runAsGroup: {{ .r.runAsGroup }}
    fsGroup: {{ .r.runAsGroup }}
    seccompProfile: {type: RuntimeDefault}
  {{- with $root.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- range . }}
    - name: {{ . }}
    {{- end }}
  {{- end }}
  containers:
    - name: ray-{{ .node }}
      image: {{ .image }}
      imagePullPolicy: {{ $root.Values.image.pullPolicy }}
      {{- if eq .node "head" }}
      ports:
        - {name: gcs, containerPort: 6379, protocol: TCP}
        - {name: dashboard, containerPort: 8265, protocol: TCP}
        - {name: client, containerPort: 10001, protocol: TCP}
        - {name: metrics, containerPort: 8080, protocol: TCP}
      {{- end }}
      env:
        - {name: XDG_CACHE_HOME, value: /tmp/.cache}
      lifecycle:
        preStop:
          exec: {command: ["/bin/sh", "-c", "ray stop"]}
      resources:
        {{- toYaml .resources | nindent 8 }}
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: {{ .r.readOnlyRootFilesystem }}
        runAsNonRoot: true
        capabilities:
          drop: ["ALL"]
      volumeMounts:
        - {name: tmp, mountPath: /tmp}
        - {name: shm, mountPath: /dev/shm}
  volumes:
    - name: tmp
      emptyDir: {sizeLimit: {{ $root.Values.tmpSizeLimit }}}
    - name: shm
      emptyDir: {medium: Memory, sizeLimit: {{ .shmSize }}}
{{- end }}
