{{/*
Names, labels and the pod pieces every Aisle part shares.

Labels and selectors come from the same helper, called with the component:
  include "aisle.selectorLabels" (dict "root" $ "component" "web")
so a Deployment's selector can never drift from its pod template's labels.
*/}}

{{- define "aisle.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "aisle.fullname" -}}
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

{{/* <fullname>-<component>: the name of a component's objects and its Service's DNS name. */}}
{{- define "aisle.componentName" -}}
{{- printf "%s-%s" (include "aisle.fullname" .root) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "aisle.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The labels a selector uses; (dict "root" $ "component" NAME). */}}
{{- define "aisle.selectorLabels" -}}
app.kubernetes.io/name: {{ include "aisle.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Every label of a component's objects: the selector labels and the bookkeeping ones. */}}
{{- define "aisle.labels" -}}
helm.sh/chart: {{ include "aisle.chart" .root }}
{{ include "aisle.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: aisle
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Labels shared by every pod of the release (the default-deny NetworkPolicy selects them). */}}
{{- define "aisle.releaseSelector" -}}
app.kubernetes.io/name: {{ include "aisle.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The Aisle image (one image, `aisle serve <part>` picks the part). */}}
{{- define "aisle.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* An http:// URL of a component's Service inside the cluster. */}}
{{- define "aisle.serviceUrl" -}}
{{- printf "http://%s:%v" (include "aisle.componentName" .) .port }}
{{- end }}

{{- define "aisle.chromaUrl" -}}
{{- if .Values.chroma.enabled }}
{{- include "aisle.serviceUrl" (dict "root" . "component" "chroma" "port" .Values.chroma.port) }}
{{- else }}
{{- required "chroma.externalUrl is required when chroma.enabled is false" .Values.chroma.externalUrl }}
{{- end }}
{{- end }}

{{/* The Secret that holds the application's secrets (the chart's own or an existingSecret). */}}
{{- define "aisle.secretName" -}}
{{- default (include "aisle.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{/*
Where the PostgreSQL URL lives, as YAML {name, key}; empty when transcripts stay in
SQLite inside the web pod.
*/}}
{{- define "aisle.databaseRef" -}}
{{- if .Values.externalDatabase.enabled }}
name: {{ default (include "aisle.secretName" .) .Values.externalDatabase.existingSecret }}
key: {{ .Values.externalDatabase.existingSecretKey }}
{{- else if .Values.postgresql.enabled }}
name: {{ include "aisle.secretName" . }}
key: database-url
{{- end }}
{{- end }}

{{/* Where the Redis URL lives, as YAML {name, key}; empty when sessions stay in memory. */}}
{{- define "aisle.redisRef" -}}
{{- if .Values.externalRedis.enabled }}
name: {{ default (include "aisle.secretName" .) .Values.externalRedis.existingSecret }}
key: {{ .Values.externalRedis.existingSecretKey }}
{{- else if .Values.redis.enabled }}
name: {{ include "aisle.secretName" . }}
key: redis-url
{{- end }}
{{- end }}

{{/* Where the LLM API key lives, as YAML {name, key}. */}}
{{- define "aisle.llmKeyRef" -}}
{{- if .Values.llm.enabled }}
name: {{ default (include "aisle.secretName" .) .Values.llm.existingSecret }}
key: {{ .Values.llm.existingSecretKey }}
{{- end }}
{{- end }}

{{/* An env entry read from a Secret; (dict "env" NAME "ref" (dict name key) "optional" bool). */}}
{{- define "aisle.secretEnv" -}}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ .ref.name }}
      key: {{ .ref.key }}
      {{- if .optional }}
      optional: true
      {{- end }}
{{- end }}

{{/*
A secret value that survives upgrades: the value given, else the one already in the
cluster's Secret, else a new random one.
*/}}
{{- define "aisle.keepOrGenerate" -}}
{{- $existing := lookup "v1" "Secret" .root.Release.Namespace (include "aisle.fullname" .root) }}
{{- if .value }}
{{- .value }}
{{- else if and $existing (hasKey $existing.data .key) }}
{{- index $existing.data .key | b64dec }}
{{- else }}
{{- randAlphaNum 32 }}
{{- end }}
{{- end }}

{{/*
Environment every Aisle container gets: caches go to the /tmp emptyDir (the root
filesystem is read-only) and nothing is downloaded at start.
*/}}
{{- define "aisle.runtimeConfig" -}}
HOME: /tmp
XDG_CACHE_HOME: /tmp/.cache
HF_HOME: /tmp/huggingface
HF_HUB_OFFLINE: "1"
TRANSFORMERS_OFFLINE: "1"
TOKENIZERS_PARALLELISM: "false"
ANONYMIZED_TELEMETRY: "False"
{{- end }}

{{/* Settings of the retrieval library that the parts embedding it share (Chroma and the model). */}}
{{- define "aisle.retrievalConfig" -}}
AISLE_RETRIEVAL_CHROMA_URL: {{ include "aisle.chromaUrl" . | quote }}
AISLE_RETRIEVAL_DATA_DIR: /var/lib/aisle/retrieval
AISLE_RETRIEVAL_DEFAULT_CURRENCY: {{ .Values.catalog.currency | quote }}
{{- with .Values.retrieval.modelPath }}
AISLE_RETRIEVAL_MODEL_PATH: {{ . | quote }}
{{- end }}
{{- if .Values.embedderTraining.cronJob.enabled }}
AISLE_RETRIEVAL_MODELS_DIR: /var/lib/aisle/artifacts/embedder
{{- end }}
{{- end }}

{{/*
Fine-tuned embedding models live on the artifact volume: the training CronJob writes
them, retrieval pods and the ingest job read them (only when embedderTraining is on).
*/}}
{{- define "aisle.embedderMount" -}}
{{- if .Values.embedderTraining.cronJob.enabled }}
- name: artifacts
  mountPath: /var/lib/aisle/artifacts
  readOnly: true
{{- end }}
{{- end }}

{{- define "aisle.embedderVolume" -}}
{{- if .Values.embedderTraining.cronJob.enabled }}
- name: artifacts
  persistentVolumeClaim:
    claimName: {{ include "aisle.artifactsClaim" . }}
    readOnly: true
{{- end }}
{{- end }}

{{/* A part's extra settings (`<part>.env`), quoted. */}}
{{- define "aisle.extraConfig" -}}
{{- range $key, $value := . }}
{{ $key }}: {{ $value | toString | quote }}
{{- end }}
{{- end }}

{{- define "aisle.podSecurityContext" -}}
{{- toYaml .Values.podSecurityContext }}
{{- end }}

{{- define "aisle.containerSecurityContext" -}}
{{- toYaml .Values.containerSecurityContext }}
{{- end }}

{{/* Startup, liveness and readiness probes on the part's real endpoints. */}}
{{- define "aisle.probes" -}}
{{- $p := .root.Values.probes }}
startupProbe:
  httpGet:
    path: /healthz
    port: http
  periodSeconds: {{ $p.startup.periodSeconds }}
  timeoutSeconds: {{ $p.startup.timeoutSeconds }}
  failureThreshold: {{ $p.startup.failureThreshold }}
livenessProbe:
  httpGet:
    path: /healthz
    port: http
  periodSeconds: {{ $p.liveness.periodSeconds }}
  timeoutSeconds: {{ $p.liveness.timeoutSeconds }}
  failureThreshold: {{ $p.liveness.failureThreshold }}
readinessProbe:
  httpGet:
    path: /readyz
    port: http
  periodSeconds: {{ $p.readiness.periodSeconds }}
  timeoutSeconds: {{ $p.readiness.timeoutSeconds }}
  failureThreshold: {{ $p.readiness.failureThreshold }}
{{- end }}

{{/* Spread a component's pods over nodes and zones; (dict "root" $ "component" NAME). */}}
{{- define "aisle.topologySpread" -}}
{{- $spread := .root.Values.topologySpread }}
{{- if $spread.enabled }}
topologySpreadConstraints:
{{- range $spread.topologyKeys }}
  - maxSkew: {{ $spread.maxSkew }}
    topologyKey: {{ . }}
    whenUnsatisfiable: {{ $spread.whenUnsatisfiable }}
    labelSelector:
      matchLabels:
        {{- include "aisle.selectorLabels" $ | nindent 8 }}
    matchLabelKeys:
      - pod-template-hash
{{- end }}
{{- end }}
{{- end }}

{{/* Scheduling knobs of one part's values (nodeSelector, tolerations, affinity). */}}
{{- define "aisle.scheduling" -}}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{- define "aisle.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
The `checksum/config` annotation: a hash of the chart's ConfigMap for the part and of
the chart's Secret, so that `helm upgrade` rolls the pods when either changes.
*/}}
{{- define "aisle.configChecksum" -}}
{{- $config := include (print .root.Template.BasePath "/" .component "/configmap.yaml") .root }}
{{- $secret := include (print .root.Template.BasePath "/secret.yaml") .root -}}
checksum/config: {{ print $config $secret | sha256sum }}
{{- end }}

{{/* A pod's /tmp: the only writable path besides the part's data directory. */}}
{{- define "aisle.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end }}

{{/* The artifact volume that recsys serves from and the training jobs write to. */}}
{{- define "aisle.artifactsClaim" -}}
{{- default (include "aisle.componentName" (dict "root" . "component" "artifacts")) .Values.artifacts.existingClaim }}
{{- end }}

{{/*
With a ReadWriteOnce artifact volume every pod that mounts it must share the recsys
pods' node; the scheduler lets the first recsys pod go anywhere.
*/}}
{{- define "aisle.artifactsAffinity" -}}
{{- if not (has "ReadWriteMany" .Values.artifacts.accessModes) }}
affinity:
  podAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      - topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "aisle.selectorLabels" (dict "root" . "component" "recsys") | nindent 12 }}
{{- end }}
{{- end }}

{{/* Refuse settings that cannot work, with a message that names the value to change. */}}
{{- define "aisle.validate" -}}
{{- if and .Values.postgresql.enabled .Values.externalDatabase.enabled }}
{{- fail "postgresql.enabled and externalDatabase.enabled are both true: pick one" }}
{{- end }}
{{- if and .Values.embedderTraining.cronJob.enabled (not (or .Values.postgresql.enabled .Values.externalDatabase.enabled)) }}
{{- fail "embedderTraining.cronJob.enabled reads the shop's events from the transcript database: set postgresql.enabled or externalDatabase.enabled" }}
{{- end }}
{{- if and .Values.redis.enabled .Values.externalRedis.enabled }}
{{- fail "redis.enabled and externalRedis.enabled are both true: pick one" }}
{{- end }}
{{- $db := or .Values.postgresql.enabled .Values.externalDatabase.enabled }}
{{- $redis := or .Values.redis.enabled .Values.externalRedis.enabled }}
{{- if and (or (gt (int .Values.web.replicas) 1) .Values.web.autoscaling.enabled) (not (and $db $redis)) }}
{{- fail "web runs more than one replica (web.replicas > 1 or web.autoscaling.enabled): transcripts need PostgreSQL (postgresql.enabled or externalDatabase.enabled) and sessions need Redis (redis.enabled or externalRedis.enabled)" }}
{{- end }}
{{- if and .Values.llm.enabled (not .Values.llm.model) }}
{{- fail "llm.enabled needs llm.model (the model name the endpoint serves)" }}
{{- end }}
{{- if and .Values.llm.enabled (not .Values.llm.baseUrl) (not .Values.llm.existingSecret) (not .Values.secrets.existingSecret) (not .Values.secrets.llmApiKey) }}
{{- fail "llm.enabled without llm.baseUrl talks to OpenAI, which needs a key: set llm.existingSecret (or secrets.existingSecret, or secrets.llmApiKey)" }}
{{- end }}
{{- if and .Values.catalog.source.url .Values.catalog.source.volume }}
{{- fail "catalog.source.url and catalog.source.volume are both set: pick one" }}
{{- end }}
{{- if and .Values.transcripts.purge.enabled (not $db) }}
{{- fail "transcripts.purge.enabled needs PostgreSQL (postgresql.enabled or externalDatabase.enabled): the SQLite transcripts live inside the web pod" }}
{{- end }}
{{- end }}

{{- define "aisle.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "aisle.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* A NetworkPolicy peer: the pods of one component of this release; (dict "root" $ "component" NAME). */}}
{{- define "aisle.peer" -}}
- podSelector:
    matchLabels:
      {{- include "aisle.selectorLabels" . | nindent 6 }}
{{- end }}

{{/* The head of a component's NetworkPolicy; (dict "root" $ "component" NAME). */}}
{{- define "aisle.networkPolicyHead" -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "aisle.componentName" . }}
  labels:
    {{- include "aisle.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "aisle.selectorLabels" . | nindent 6 }}
{{- end }}

{{/* Egress to Chroma: the bundled server's pods, or the external server's address. */}}
{{- define "aisle.chromaEgress" -}}
{{- if .Values.chroma.enabled }}
- to:
    {{- include "aisle.peer" (dict "root" . "component" "chroma") | trim | nindent 4 }}
  ports:
    - port: {{ .Values.chroma.port }}
      protocol: TCP
{{- else }}
{{- $url := urlParse .Values.chroma.externalUrl }}
{{- $port := regexFind "[0-9]+$" $url.host }}
- to:
    {{- toYaml .Values.networkPolicy.externalTo | nindent 4 }}
  ports:
    - port: {{ default (ternary "443" "8000" (eq $url.scheme "https")) $port }}
      protocol: TCP
{{- end }}
{{- end }}
