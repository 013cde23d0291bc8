{{/* metadata of a model's object: (dict "m" model "root" $ "component" c "name" objectName) */}}
{{- define "bench.modelMeta" -}}
metadata:
  annotations:
    servespec.dev/spec-hash: {{ .m | toJson | sha256sum | trunc 16 | quote }}
  labels:
    app.kubernetes.io/component: {{ .component | default "inference" }}
    app.kubernetes.io/instance: {{ .m.name }}
    app.kubernetes.io/managed-by: servespec
    app.kubernetes.io/name: {{ .m.name }}
    app.kubernetes.io/part-of: {{ .root.Values.fleet }}
    app.kubernetes.io/version: {{ .m.version }}
  name: {{ .name | default .m.name }}
  namespace: {{ .root.Values.namespace }}
{{- end }}

{{/* metadata of a fleet-wide object: (dict "root" $ "component" c "name" n ["namespace" ns] ["podSecurity" true]) */}}
{{- define "bench.fleetMeta" -}}
metadata:
  annotations:
    servespec.dev/spec-hash: {{ .root.Values | toJson | sha256sum | trunc 16 | quote }}
  labels:
    app.kubernetes.io/component: {{ .component }}
    app.kubernetes.io/instance: {{ .root.Values.fleet }}
    app.kubernetes.io/managed-by: servespec
    app.kubernetes.io/name: {{ .root.Values.fleet }}
    app.kubernetes.io/part-of: {{ .root.Values.fleet }}
    {{- if .podSecurity }}
    pod-security.kubernetes.io/audit: restricted
    pod-security.kubernetes.io/audit-version: latest
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
    pod-security.kubernetes.io/warn: restricted
    pod-security.kubernetes.io/warn-version: latest
    {{- end }}
  name: {{ .name }}
  {{- if .namespace }}
  namespace: {{ .namespace }}
  {{- end }}
{{- end }}

{{- define "bench.securityContext" -}}
securityContext:
  allowPrivilegeEscalation: false
  capabilities:
    drop:
    - ALL
  privileged: false
  readOnlyRootFilesystem: true
  runAsNonRoot: true
  runAsUser: 10001
  seccompProfile:
    type: RuntimeDefault
{{- end }}
