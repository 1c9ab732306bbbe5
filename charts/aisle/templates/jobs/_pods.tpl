{{/*
Pod specs shared by a one-off Job and its CronJob, so that `aisle ops retrain` (a Job
made from the CronJob) runs exactly what the install-time Job ran.
*/}}

{{/* The name of a CronJob: at most 52 characters, since its Jobs add a suffix. */}}
{{- define "aisle.cronJobName" -}}
{{- printf "%s-%s" (include "aisle.fullname" .root) .component | trunc 52 | trimSuffix "-" }}
{{- end }}

{{/* The name of a Job run at install and upgrade: one per release revision. */}}
{{- define "aisle.revisionJobName" -}}
{{- printf "%s-%s-r%d" (include "aisle.fullname" .root | trunc 40 | trimSuffix "-") .component (int .root.Release.Revision) }}
{{- end }}

{{- define "aisle.jobSpecCommon" -}}
backoffLimit: {{ .Values.jobs.backoffLimit }}
ttlSecondsAfterFinished: {{ .Values.jobs.ttlSecondsAfterFinished }}
{{- end }}

{{/* Ingest the catalog feed into Chroma: download it first when it comes from a URL. */}}
{{- define "aisle.ingestPod" -}}
{{- $component := dict "root" . "component" "ingest" }}
{{- $source := .Values.catalog.source }}
{{- $feed := $source.path }}
{{- if $source.url }}
{{- $feed = printf "/feed/catalog.%s" $source.format }}
{{- end -}}
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
  {{- if .Values.embedderTraining.cronJob.enabled }}
  {{- with include "aisle.artifactsAffinity" . }}{{ . | trim | nindent 2 }}{{- end }}
  {{- end }}
  {{- if $source.url }}
  initContainers:
    - name: fetch
      image: {{ include "aisle.image" . }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      command: ["python", "-c", "import os, urllib.request; urllib.request.urlretrieve(os.environ['FEED_URL'], os.environ['FEED_PATH'])"]
      env:
        - name: FEED_URL
          value: {{ $source.url | quote }}
        - name: FEED_PATH
          value: {{ $feed | quote }}
      resources:
        {{- toYaml .Values.jobs.resources | nindent 8 }}
      securityContext:
        {{- include "aisle.containerSecurityContext" . | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
        - name: feed
          mountPath: /feed
  {{- end }}
  containers:
    - name: ingest
      image: {{ include "aisle.image" . }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      args:
        - ingest
        - {{ $feed | quote }}
        - --chroma-url
        - {{ include "aisle.chromaUrl" . | quote }}
        - --currency
        - {{ .Values.catalog.currency | quote }}
        - --on-error
        - {{ .Values.catalog.onError | quote }}
        - --on-missing
        - {{ .Values.catalog.onMissing | quote }}
        {{- range .Values.catalog.map }}
        - --map
        - {{ . | quote }}
        {{- end }}
        - --quiet
      envFrom:
        - configMapRef:
            name: {{ include "aisle.componentName" (dict "root" . "component" "retrieval") }}
      env:
        {{- include "aisle.secretEnv" (dict "env" "AISLE_RETRIEVAL_CHROMA_TOKEN" "ref" (dict "name" (include "aisle.secretName" .) "key" "chroma-token") "optional" true) | nindent 8 }}
      resources:
        {{- toYaml .Values.jobs.resources | nindent 8 }}
      securityContext:
        {{- include "aisle.containerSecurityContext" . | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
        - name: data
          mountPath: /var/lib/aisle/retrieval
        {{- include "aisle.embedderMount" . | nindent 8 }}
        {{- if or $source.url $source.volume }}
        - name: feed
          mountPath: /feed
          readOnly: {{ not $source.url }}
        {{- end }}
  volumes:
    {{- include "aisle.tmpVolume" . | nindent 4 }}
    {{- include "aisle.embedderVolume" . | nindent 4 }}
    - name: data
      emptyDir:
        sizeLimit: 1Gi
    {{- if $source.url }}
    - name: feed
      emptyDir:
        sizeLimit: 2Gi
    {{- else if $source.volume }}
    - name: feed
      {{- toYaml $source.volume | nindent 6 }}
    {{- end }}
{{- end }}

{{/*
Train the recommenders into the artifact volume; with training.rollout, a second step
rolls the recsys pods through the API with its own short-lived token (the training step
never sees one).
*/}}
{{- define "aisle.trainPod" -}}
{{- $component := dict "root" . "component" "train" -}}
metadata:
  labels:
    {{- include "aisle.labels" $component | nindent 4 }}
  annotations:
    {{- include "aisle.configChecksum" (dict "root" . "component" "recsys") | trim | nindent 4 }}
spec:
  restartPolicy: Never
  {{- if .Values.training.rollout }}
  serviceAccountName: {{ include "aisle.componentName" $component }}
  {{- else }}
  serviceAccountName: {{ include "aisle.serviceAccountName" . }}
  {{- end }}
  automountServiceAccountToken: false
  {{- with include "aisle.imagePullSecrets" . }}{{ . | trim | nindent 2 }}{{- end }}
  securityContext:
    {{- include "aisle.podSecurityContext" . | nindent 4 }}
  {{- if .Values.recsys.affinity }}
  affinity:
    {{- toYaml .Values.recsys.affinity | nindent 4 }}
  {{- else }}
  {{- with include "aisle.artifactsAffinity" . }}{{ . | trim | nindent 2 }}{{- end }}
  {{- end }}
  {{- with .Values.recsys.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.recsys.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- if .Values.training.rollout }}
  initContainers:
  {{- else }}
  containers:
  {{- end }}
    - name: train
      image: {{ include "aisle.image" . }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      args: ["train", "--quiet"]
      envFrom:
        - configMapRef:
            name: {{ include "aisle.componentName" (dict "root" . "component" "recsys") }}
      resources:
        {{- toYaml .Values.jobs.resources | nindent 8 }}
      securityContext:
        {{- include "aisle.containerSecurityContext" . | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
        - name: artifacts
          mountPath: /var/lib/aisle/recsys
  {{- if .Values.training.rollout }}
  containers:
    - name: rollout
      image: {{ include "aisle.image" . }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      args: ["ops", "rollout", "recsys", "--in-cluster", "--release", {{ .Release.Name | quote }}, "--wait", "--timeout", "600"]
      env:
        - name: HOME
          value: /tmp
      resources:
        requests:
          cpu: 50m
          memory: 256Mi
        limits:
          cpu: 500m
          memory: 512Mi
      securityContext:
        {{- include "aisle.containerSecurityContext" . | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
        - name: api-token
          mountPath: /var/run/secrets/kubernetes.io/serviceaccount
          readOnly: true
  {{- end }}
  volumes:
    {{- include "aisle.tmpVolume" . | nindent 4 }}
    - name: artifacts
      persistentVolumeClaim:
        claimName: {{ include "aisle.artifactsClaim" . }}
    {{- if .Values.training.rollout }}
    - name: api-token
      projected:
        sources:
          - serviceAccountToken:
              path: token
              expirationSeconds: 3600
          - configMap:
              name: kube-root-ca.crt
              items:
                - key: ca.crt
                  path: ca.crt
          - downwardAPI:
              items:
                - path: namespace
                  fieldRef:
                    fieldPath: metadata.namespace
    {{- end }}
{{- end }}

{{/* Delete transcripts older than web.retentionDays. */}}
{{- define "aisle.purgePod" -}}
{{- $component := dict "root" . "component" "purge" -}}
metadata:
  labels:
    {{- include "aisle.labels" $component | nindent 4 }}
  annotations:
    {{- include "aisle.configChecksum" (dict "root" . "component" "web") | trim | nindent 4 }}
spec:
  restartPolicy: Never
  serviceAccountName: {{ include "aisle.serviceAccountName" . }}
  automountServiceAccountToken: false
  {{- with include "aisle.imagePullSecrets" . }}{{ . | trim | nindent 2 }}{{- end }}
  securityContext:
    {{- include "aisle.podSecurityContext" . | nindent 4 }}
  containers:
    - name: purge
      image: {{ include "aisle.image" . }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      args: ["transcripts", "purge"]
      envFrom:
        - configMapRef:
            name: {{ include "aisle.componentName" (dict "root" . "component" "web") }}
      env:
        {{- /* The web settings refuse to load without their signing key outside demo mode. */}}
        {{- include "aisle.secretEnv" (dict "env" "AISLE_WEB_SECRET_KEY" "ref" (dict "name" (include "aisle.secretName" .) "key" "web-secret-key")) | nindent 8 }}
        {{- with include "aisle.databaseRef" . | fromYaml }}
        {{- include "aisle.secretEnv" (dict "env" "AISLE_WEB_DATABASE_URL" "ref" .) | nindent 8 }}
        {{- end }}
      resources:
        requests:
          cpu: 50m
          memory: 256Mi
        limits:
          cpu: 500m
          memory: 512Mi
      securityContext:
        {{- include "aisle.containerSecurityContext" . | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
        - name: data
          mountPath: /var/lib/aisle/web
  volumes:
    {{- include "aisle.tmpVolume" . | nindent 4 }}
    - name: data
      emptyDir:
        sizeLimit: 256Mi
{{- end }}

{{/* A CronJob around one of the pods above; (dict "root" $ "component" NAME "schedule" CRON "pod" TEMPLATE). */}}
{{- define "aisle.cronJob" -}}
apiVersion: batch/v1
kind: CronJob
metadata:
  name: {{ include "aisle.cronJobName" . }}
  labels:
    {{- include "aisle.labels" . | nindent 4 }}
spec:
  schedule: {{ .schedule | quote }}
  concurrencyPolicy: Forbid
  startingDeadlineSeconds: 3600
  successfulJobsHistoryLimit: {{ .root.Values.jobs.successfulJobsHistoryLimit }}
  failedJobsHistoryLimit: {{ .root.Values.jobs.failedJobsHistoryLimit }}
  jobTemplate:
    metadata:
      labels:
        {{- include "aisle.labels" . | nindent 8 }}
    spec:
      {{- include "aisle.jobSpecCommon" .root | nindent 6 }}
      template:
        {{- include .pod .root | nindent 8 }}
{{- end }}

{{/* A Job run at install and at each upgrade. */}}
{{- define "aisle.revisionJob" -}}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ include "aisle.revisionJobName" . }}
  labels:
    {{- include "aisle.labels" . | nindent 4 }}
spec:
  {{- include "aisle.jobSpecCommon" .root | nindent 2 }}
  template:
    {{- include .pod .root | nindent 4 }}
{{- end }}
