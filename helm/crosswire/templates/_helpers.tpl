{{/*
Names, labels, images, the restricted security contexts and the environment every component shares.
*/}}

{{- define "crosswire.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "crosswire.fullname" -}}
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

{{/* A component's resource name: <fullname>-<component>. Call with (list $ "component"). */}}
{{- define "crosswire.componentName" -}}
{{- $root := index . 0 -}}
{{- printf "%s-%s" (include "crosswire.fullname" $root | trunc 50 | trimSuffix "-") (index . 1) -}}
{{- end -}}

{{- define "crosswire.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels common to every resource. */}}
{{- define "crosswire.labels" -}}
helm.sh/chart: {{ include "crosswire.chart" . }}
app.kubernetes.io/name: {{ include "crosswire.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: crosswire
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels of a component. Call with (list $ "component"). */}}
{{- define "crosswire.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ include "crosswire.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* All labels of a component's resources. Call with (list $ "component"). */}}
{{- define "crosswire.componentLabels" -}}
{{ include "crosswire.labels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* The image of a component. Call with (list $ .Values.<component>.image). */}}
{{- define "crosswire.image" -}}
{{- $root := index . 0 -}}
{{- $image := index . 1 -}}
{{- $tag := default $root.Chart.AppVersion (default $root.Values.image.tag $image.tag) -}}
{{- if $image.digest -}}
{{- printf "%s/%s@%s" $root.Values.image.registry $image.repository $image.digest -}}
{{- else -}}
{{- printf "%s/%s:%s" $root.Values.image.registry $image.repository $tag -}}
{{- end -}}
{{- end -}}

{{- define "crosswire.imagePullSecrets" -}}
{{- with .Values.image.pullSecrets }}
imagePullSecrets:
{{- range . }}
  - name: {{ . | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
Restricted pod security (Pod Security Standards "restricted"): non-root, RuntimeDefault seccomp.
Not configurable on purpose: only the UID/GID can be chosen.
*/}}
{{- define "crosswire.podSecurityContext" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: {{ .Values.podSecurity.runAsUser }}
  runAsGroup: {{ .Values.podSecurity.runAsGroup }}
  fsGroup: {{ .Values.podSecurity.fsGroup }}
  seccompProfile:
    type: RuntimeDefault
{{- end -}}

{{- define "crosswire.containerSecurityContext" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: {{ .Values.podSecurity.runAsUser }}
  runAsGroup: {{ .Values.podSecurity.runAsGroup }}
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  privileged: false
  capabilities:
    drop:
      - ALL
  seccompProfile:
    type: RuntimeDefault
{{- end -}}

{{/* The root filesystem is read-only: Node and tsx get a small writable /tmp. */}}
{{- define "crosswire.tmpVolume" -}}
- name: tmp
  emptyDir:
    medium: Memory
    sizeLimit: 64Mi
{{- end -}}

{{- define "crosswire.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- end -}}

{{/* Environment every Node process shares. */}}
{{- define "crosswire.commonEnv" -}}
- name: NODE_ENV
  value: production
- name: TSX_DISABLE_CACHE
  value: "1"
{{- end -}}

{{- define "crosswire.databaseEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.existingSecret | quote }}
      key: {{ .Values.database.urlKey | quote }}
{{- end -}}

{{- define "crosswire.migrationsDatabaseEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ default .Values.database.existingSecret .Values.database.migrationsExistingSecret | quote }}
      key: {{ (ternary .Values.database.migrationsUrlKey .Values.database.urlKey (ne .Values.database.migrationsExistingSecret "")) | quote }}
{{- end -}}

{{/* The orchestrator as the other components reach it (clients add the /api/v1 base path). */}}
{{- define "crosswire.orchestratorUrl" -}}
{{- printf "http://%s.%s.svc:%d" (include "crosswire.componentName" (list . "orchestrator")) .Release.Namespace (int .Values.orchestrator.service.port) -}}
{{- end -}}

{{/* AUTH_ISSUERS: the people's IdP plus, when it differs, the issuer of pod tokens. */}}
{{- define "crosswire.authIssuers" -}}
{{- $people := dict "issuer" .Values.oidc.issuer "audience" .Values.oidc.audience -}}
{{- with .Values.oidc.jwksUri }}{{ $_ := set $people "jwksUri" . }}{{ end -}}
{{- $issuers := list $people -}}
{{- if eq .Values.podAuth.mode "serviceAccountToken" -}}
{{- $sa := .Values.podAuth.serviceAccountToken -}}
{{- $pod := dict "issuer" $sa.issuer "audience" $sa.audience -}}
{{- with $sa.jwksUri }}{{ $_ := set $pod "jwksUri" . }}{{ end -}}
{{- $issuers = append $issuers $pod -}}
{{- else -}}
{{- $cc := .Values.podAuth.clientCredentials -}}
{{- if and $cc.issuer (ne $cc.issuer .Values.oidc.issuer) -}}
{{- $pod := dict "issuer" $cc.issuer "audience" (default .Values.oidc.audience $cc.audience) -}}
{{- with $cc.jwksUri }}{{ $_ := set $pod "jwksUri" . }}{{ end -}}
{{- $issuers = append $issuers $pod -}}
{{- end -}}
{{- end -}}
{{- toJson $issuers -}}
{{- end -}}

{{/* How a pod (adapter or installer) gets its token for the orchestrator. */}}
{{- define "crosswire.podAuthEnv" -}}
- name: ORCHESTRATOR_URL
  value: {{ include "crosswire.orchestratorUrl" . | quote }}
{{- if eq .Values.podAuth.mode "serviceAccountToken" }}
- name: POD_TOKEN_FILE
  value: /var/run/secrets/crosswire/token
{{- else }}
{{- $cc := .Values.podAuth.clientCredentials }}
- name: OIDC_TOKEN_ENDPOINT
  value: {{ $cc.tokenEndpoint | quote }}
- name: OIDC_CLIENT_ID
  value: {{ $cc.clientId | quote }}
- name: POD_PRIVATE_KEY_FILE
  value: /var/run/secrets/crosswire/client-key/private-key.pem
- name: POD_KEY_ALGORITHM
  value: {{ $cc.algorithm | quote }}
{{- with $cc.scope }}
- name: OIDC_SCOPE
  value: {{ . | quote }}
{{- end }}
{{- with $cc.audience }}
- name: OIDC_AUDIENCE
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "crosswire.podAuthMount" -}}
{{- if eq .Values.podAuth.mode "serviceAccountToken" -}}
- name: pod-token
  mountPath: /var/run/secrets/crosswire
  readOnly: true
{{- else -}}
- name: client-key
  mountPath: /var/run/secrets/crosswire/client-key
  readOnly: true
{{- end -}}
{{- end -}}

{{- define "crosswire.podAuthVolume" -}}
{{- if eq .Values.podAuth.mode "serviceAccountToken" -}}
- name: pod-token
  projected:
    sources:
      - serviceAccountToken:
          path: token
          audience: {{ .Values.podAuth.serviceAccountToken.audience | quote }}
          expirationSeconds: {{ .Values.podAuth.serviceAccountToken.expirationSeconds }}
{{- else -}}
- name: client-key
  secret:
    secretName: {{ .Values.podAuth.clientCredentials.privateKey.existingSecret | quote }}
    defaultMode: 0440
    items:
      - key: {{ .Values.podAuth.clientCredentials.privateKey.key | quote }}
        path: private-key.pem
{{- end -}}
{{- end -}}

{{/* Scheduling fields shared by the Deployments. Call with (list $ .Values.<component>). */}}
{{- define "crosswire.scheduling" -}}
{{- $c := index . 1 -}}
{{- with $c.priorityClassName }}
priorityClassName: {{ . | quote }}
{{- end }}
{{- with $c.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $c.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $c.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $c.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Soft spreading over nodes when the user gave no affinity of their own. Call with (list $ "component" .Values.<component>). */}}
{{- define "crosswire.defaultAffinity" -}}
{{- $root := index . 0 -}}
{{- $c := index . 2 -}}
{{- if not $c.affinity }}
affinity:
  podAntiAffinity:
    preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        podAffinityTerm:
          topologyKey: kubernetes.io/hostname
          labelSelector:
            matchLabels:
              {{- include "crosswire.selectorLabels" (list $root (index . 1)) | nindent 14 }}
{{- end }}
{{- end -}}

{{/* An egress rule to a port list and optional CIDRs/peers: both empty means any destination. */}}
{{- define "crosswire.egressRule" -}}
{{- $ports := index . 0 -}}
{{- $cidrs := index . 1 -}}
{{- $peers := index . 2 -}}
- ports:
  {{- range $ports }}
    - protocol: TCP
      port: {{ . }}
  {{- end }}
  {{- if or $cidrs $peers }}
  to:
    {{- range $cidrs }}
    - ipBlock:
        cidr: {{ . | quote }}
    {{- end }}
    {{- with $peers }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- end }}
{{- end -}}

{{- define "crosswire.dnsEgress" -}}
- ports:
    - protocol: UDP
      port: 53
    - protocol: TCP
      port: 53
  to:
    - namespaceSelector:
        matchLabels:
          {{- toYaml .Values.networkPolicy.dns.namespaceSelector | nindent 10 }}
      podSelector:
        matchLabels:
          {{- toYaml .Values.networkPolicy.dns.podSelector | nindent 10 }}
{{- end -}}

{{/* Egress to the orchestrator API from this release's pods. */}}
{{- define "crosswire.orchestratorEgress" -}}
- ports:
    - protocol: TCP
      port: 8080
  to:
    - podSelector:
        matchLabels:
          {{- include "crosswire.selectorLabels" (list . "orchestrator") | nindent 10 }}
{{- end -}}

{{/* The API server's addresses: values, or the default/kubernetes endpoints at install time. */}}
{{- define "crosswire.kubeApiCidrs" -}}
{{- $cidrs := list -}}
{{- if .Values.networkPolicy.kubeApiServer.cidrs -}}
{{- $cidrs = .Values.networkPolicy.kubeApiServer.cidrs -}}
{{- else -}}
{{- $ep := lookup "v1" "Endpoints" "default" "kubernetes" -}}
{{- if $ep -}}
{{- range $ep.subsets -}}
{{- range .addresses -}}
{{- $cidrs = append $cidrs (printf "%s/32" .ip) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson $cidrs -}}
{{- end -}}
