{{/*
Fine-tune the search embedder on the shop's events (read from the transcript database),
promote it only if it beats the current one on held-out queries, and re-embed the catalog
into a new Chroma collection; retrieval pods swap to it when it is complete.
*/}}
{{- define "aisle.embedderPod" -}}
{{- $component := dict "root" . "component" "embedder" -}}
{{- $values := .Values.embedderTraining -}}
metadata:
  labels:
    {{- include "aisle.labels" $component | nindent 4 }}
  annotations:
    {{- include "aisle.configChecksum" (dict "root" . "component" "retrieval") | trim | nindent 4 }}
spec:
  restartPolicy: Never
  serviceAccountName: {{ include "aisle.serviceAccountName" . }}
  automountServiceAccountToken: false
  {{- with include "aisle.imagePullSecrets" . }}{{ . | trim | nindent 2 }}{{- end }}
  securityContext:
    {{- include "aisle.podSecurityContext" . | nindent 4 }}
  {{- with include "aisle.artifactsAffinity" . }}{{ . | trim | nindent 2 }}{{- end }}
  {{- if $values.gpu.enabled }}
  {{- with $values.gpu.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $values.gpu.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- end }}
  containers:
    - name: train-embedder
      image: {{ include "aisle.image" . }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      args:
        - train
        - embedder
        - --quiet
        - --chroma-url
        - {{ include "aisle.chromaUrl" . | quote }}
        - --device
        - {{ ternary "cuda" "cpu" $values.gpu.enabled | quote }}
        - --min-label
        - {{ $values.minLabel | quote }}
        - --held-share
        - {{ $values.heldShare | quote }}
        - --min-gain
        - {{ $values.minGain | quote }}
        - --min-held-queries
        - {{ $values.minHeldQueries | quote }}
        - --epochs
        - {{ $values.epochs | quote }}
      envFrom:
        - configMapRef:
            name: {{ include "aisle.componentName" (dict "root" . "component" "retrieval") }}
        - configMapRef:
            name: {{ include "aisle.componentName" (dict "root" . "component" "web") }}
      env:
        - name: HOME
          value: /tmp
        {{- include "aisle.secretEnv" (dict "env" "AISLE_RETRIEVAL_CHROMA_TOKEN" "ref" (dict "name" (include "aisle.secretName" .) "key" "chroma-token") "optional" true) | nindent 8 }}
        {{- /* The web settings refuse to load without their signing key outside demo mode. */}}
        {{- include "aisle.secretEnv" (dict "env" "AISLE_WEB_SECRET_KEY" "ref" (dict "name" (include "aisle.secretName" .) "key" "web-secret-key")) | nindent 8 }}
        {{- with include "aisle.databaseRef" . | fromYaml }}
        {{- include "aisle.secretEnv" (dict "env" "AISLE_WEB_DATABASE_URL" "ref" .) | nindent 8 }}
        {{- end }}
      resources:
        {{- if $values.gpu.enabled }}
        {{- toYaml (mergeOverwrite (deepCopy $values.resources) $values.gpu.resources) | nindent 8 }}
        {{- else }}
        {{- toYaml $values.resources | nindent 8 }}
        {{- end }}
      securityContext:
        {{- include "aisle.containerSecurityContext" . | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
        - name: data
          mountPath: /var/lib/aisle/retrieval
        - name: web-data
          mountPath: /var/lib/aisle/web
        - name: artifacts
          mountPath: /var/lib/aisle/artifacts
  volumes:
    {{- include "aisle.tmpVolume" . | nindent 4 }}
    - name: data
      emptyDir:
        sizeLimit: 1Gi
    - name: web-data
      emptyDir:
        sizeLimit: 64Mi
    - name: artifacts
      persistentVolumeClaim:
        claimName: {{ include "aisle.artifactsClaim" . }}
{{- end }}
