{{- define "fixture.labels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end }}

{{- define "fixture.container" -}}
image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
resources:
  {{- toYaml .Values.resources | nindent 2 }}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  runAsNonRoot: true
  runAsUser: 10001
  capabilities: { drop: [ALL] }
  seccompProfile: { type: RuntimeDefault }
{{- end }}

{{- define "fixture.probes" -}}
readinessProbe: { httpGet: { path: /ready, port: http } }
livenessProbe: { httpGet: { path: /live, port: http } }
{{- end }}
