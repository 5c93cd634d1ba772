{{/*
podsock.podSpecPatch: the strategic-merge patch that gitlab-runner applies to
every job PodSpec (`[[runners.kubernetes.pod_spec]]`, patch_type "strategic").
Keys are relative to the PodSpec: no `spec:` wrapper, no metadata.

What it adds (and why):
- initContainers podsock-init (writes /etc/subuid, subgid, passwd, group for
  the running UID into the podsock-ids emptyDir) and podsock-sidecar (the
  engine, a native sidecar: restartPolicy Always + startupProbe, so the runner
  only sees `build` ready once the socket answers). kubectl/apimachinery put
  both before the runner's own init-permissions.
- containers[build]: DOCKER_HOST and Testcontainers variables, the socket
  emptyDir at /sockets. Merged by name, the runner's own fields stay.
- volumes: socket (memory), storage, IDs, config, runtime/tmp/home emptyDirs.
- storage.shared reader/writer: PODSOCK_STORAGE_SHARED and POD_NAME (downward
  API) on podsock-init and podsock-sidecar, which must agree on the layout.
- the runner's `repo` volume at the builds dir in the sidecar (the runner
  mounts volumes only into build, helper and services).
*/}}
{{- define "podsock.podSpecPatch" -}}
{{- include "podsock.checkStorage" . -}}
{{- include "podsock.checkConfig" . -}}
{{- $mode := .Values.securityMode -}}
{{- $builds := .Values.buildsDir -}}
{{- if eq $mode "userns" }}
hostUsers: false
{{- end }}
{{- if ne $mode "openshift" }}
securityContext:
  fsGroup: {{ .Values.security.fsGroup }}
  fsGroupChangePolicy: OnRootMismatch
{{- end }}
{{- with .Values.image.pullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
initContainers:
  - name: podsock-init
    image: {{ include "podsock.image" . }}
    imagePullPolicy: {{ .Values.image.pullPolicy }}
    command:
      - podsock-init
      - --socket-dir
      - {{ include "podsock.socketDir" . }}
      - --storage
      - {{ include "podsock.storageDir" . }}
      - --ids-out
      - {{ include "podsock.idsDir" . }}
      - --builds
      - {{ $builds }}
    {{- with include "podsock.sharedEnv" . }}
    env:
      {{- . | trim | nindent 6 }}
    {{- end }}
    resources:
      {{- include "podsock.initResources" . | nindent 6 }}
    securityContext:
      {{- include "podsock.initSecurityContext" . | nindent 6 }}
    volumeMounts:
      - name: podsock-socket
        mountPath: {{ include "podsock.socketDir" . }}
      - name: podsock-storage
        mountPath: {{ include "podsock.storageDir" . }}
      - name: podsock-ids
        mountPath: {{ include "podsock.idsDir" . }}
      - name: podsock-tmp
        mountPath: /tmp
      - name: repo
        mountPath: {{ $builds }}
  - name: podsock-sidecar
    image: {{ include "podsock.image" . }}
    imagePullPolicy: {{ .Values.image.pullPolicy }}
    restartPolicy: Always
    command:
      - podsock-sidecar
      - --socket
      - {{ include "podsock.socket" . }}
      - --storage
      - {{ include "podsock.storageDir" . }}
      - --config
      - {{ include "podsock.configFile" . }}
    env:
      - name: PODSOCK_SOCKET
        value: {{ include "podsock.socket" . }}
      - name: HOME
        value: {{ include "podsock.home" . }}
      - name: XDG_RUNTIME_DIR
        value: {{ include "podsock.runtimeDir" . }}
      {{- if not .Values.storage.persistentVolumeClaim.claimName }}
      # The disk watchdog keeps the storage under the emptyDir's sizeLimit,
      # past which the kubelet evicts the pod.
      - name: PODSOCK_STORAGE_SIZE_LIMIT
        value: {{ .Values.storage.sizeLimit | quote }}
      {{- end }}
      {{- with include "podsock.sharedEnv" . }}
      {{- . | trim | nindent 6 }}
      {{- end }}
      {{- with .Values.sidecar.extraEnv }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
    {{- if .Values.sidecar.postStartWait }}
    # Gating: the sidecar counts as started when this hook returns, i.e. the
    # moment the engine answers; the startupProbe below is the safety net.
    lifecycle:
      postStart:
        exec:
          command: [podsock-probe, wait, --timeout, "120"]
    {{- end }}
    startupProbe:
      exec:
        command: [podsock-probe, ready, --timeout, "1000"]
      periodSeconds: 1
      timeoutSeconds: 2
      failureThreshold: 120
    readinessProbe:
      exec:
        command: [podsock-probe, ready]
      periodSeconds: 10
      timeoutSeconds: 5
    livenessProbe:
      exec:
        command: [podsock-probe, live]
      periodSeconds: 20
      timeoutSeconds: 5
      failureThreshold: 3
    resources:
      {{- include "podsock.sidecarResources" . | nindent 6 }}
    securityContext:
      {{- include "podsock.sidecarSecurityContext" . | nindent 6 }}
    volumeMounts:
      - name: podsock-socket
        mountPath: {{ include "podsock.socketDir" . }}
      - name: podsock-storage
        mountPath: {{ include "podsock.storageDir" . }}
      - name: podsock-config
        mountPath: /etc/podsock
        readOnly: true
      {{- if eq $mode "userns" }}
      - name: podsock-root-run
        mountPath: /run
      - name: podsock-var-cache
        mountPath: /var/cache
      {{- end }}
      - name: podsock-run
        mountPath: {{ include "podsock.runtimeDir" . }}
      - name: podsock-tmp
        mountPath: /tmp
      - name: podsock-var-tmp
        mountPath: /var/tmp
      - name: podsock-home
        mountPath: {{ include "podsock.home" . }}
      - name: repo
        mountPath: {{ $builds }}
      {{- range list "subuid" "subgid" "passwd" "group" }}
      - name: podsock-ids
        mountPath: /etc/{{ . }}
        subPath: {{ . }}
        readOnly: true
      {{- end }}
containers:
  - name: build
    env:
      - name: DOCKER_HOST
        value: unix://{{ include "podsock.socket" . }}
      - name: TESTCONTAINERS_DOCKER_SOCKET_OVERRIDE
        value: {{ include "podsock.socket" . }}
      - name: TESTCONTAINERS_HOST_OVERRIDE
        value: localhost
      - name: TESTCONTAINERS_RYUK_DISABLED
        value: {{ .Values.buildContainer.testcontainersRyukDisabled | quote }}
      {{- if .Values.buildContainer.disableBuildKit }}
      - name: DOCKER_BUILDKIT
        value: "0"
      {{- end }}
      {{- with .Values.buildContainer.extraEnv }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
    volumeMounts:
      - name: podsock-socket
        mountPath: {{ include "podsock.socketDir" . }}
volumes:
  - name: podsock-socket
    emptyDir:
      medium: Memory
      sizeLimit: 1Mi
  - name: podsock-storage
    {{- if .Values.storage.persistentVolumeClaim.claimName }}
    persistentVolumeClaim:
      claimName: {{ .Values.storage.persistentVolumeClaim.claimName }}
    {{- else }}
    emptyDir:
      sizeLimit: {{ .Values.storage.sizeLimit }}
    {{- end }}
  - name: podsock-ids
    emptyDir:
      medium: Memory
      sizeLimit: 1Mi
  - name: podsock-config
    configMap:
      name: podsock-config
  - name: podsock-run
    emptyDir:
      medium: Memory
  {{- if eq $mode "userns" }}
  - name: podsock-root-run
    emptyDir:
      medium: Memory
  - name: podsock-var-cache
    emptyDir: {}
  {{- end }}
  - name: podsock-tmp
    emptyDir: {}
  - name: podsock-var-tmp
    emptyDir: {}
  - name: podsock-home
    emptyDir: {}
{{- end -}}

{{- define "podsock.initResources" -}}
{{- toYaml .Values.init.resources -}}
{{- end -}}

{{/*
podsock.tomlString: a TOML basic string (JSON string escapes are valid TOML).
*/}}
{{- define "podsock.tomlString" -}}
{{- toJson (toString .) -}}
{{- end -}}

{{/*
podsock.runnerToml: the [[runners]] section.
  (dict "root" $ "forTpl" bool)
forTpl true: the text is for the official gitlab-runner chart's runners.config,
which that chart renders with `tpl`: every literal "{{" is escaped and the job
namespace defaults to {{.Release.Namespace}} of that release. forTpl false:
config.template.toml of the standalone manager, which takes the namespace from
KUBERNETES_NAMESPACE (the manager's own namespace) when runner.jobNamespace is
empty.
*/}}
{{- define "podsock.runnerToml" -}}
{{- $root := .root -}}
{{- $v := $root.Values -}}
{{- $patch := include "podsock.podSpecPatch" $root | trim -}}
{{- $toml := include "podsock.runnerTomlBody" (dict "root" $root "patch" $patch "forTpl" .forTpl) -}}
{{- if .forTpl -}}
{{- $toml = replace "{{" "{{\"{{\"}}" $toml -}}
{{- $toml = replace "@@PODSOCK_NAMESPACE@@" (ternary "{{ .Release.Namespace }}" ($v.runner.jobNamespace | toJson | trimAll "\"") (empty $v.runner.jobNamespace)) $toml -}}
{{- else -}}
{{- $toml = replace "@@PODSOCK_NAMESPACE@@" $v.runner.jobNamespace $toml -}}
{{- end -}}
{{- $toml -}}
{{- end -}}

{{- define "podsock.tomlMultiline" -}}
{{- if contains "'''" . -}}
{{- fail (printf "a pod_spec patch contains ''' which cannot appear in a TOML multi-line literal string; remove it from runner.extraPodSpecPatches or the values that feed the patch:\n%s" .) -}}
{{- end -}}
'''
{{ . }}
'''
{{- end -}}

{{- define "podsock.runnerTomlBody" -}}
{{- $root := .root -}}
{{- $v := $root.Values -}}
{{- $annotations := include "podsock.podAnnotations" $root | fromJson -}}
[[runners]]
  name = {{ include "podsock.tomlString" $v.runner.name }}
  executor = "kubernetes"
  builds_dir = {{ include "podsock.tomlString" $v.buildsDir }}
  [runners.feature_flags]
    # pod_spec patches are applied only with this flag; set here (not as a job
    # variable) so that a job cannot switch podsock off.
    FF_USE_ADVANCED_POD_SPEC_CONFIGURATION = true
  [runners.kubernetes]
    {{- if or .forTpl $v.runner.jobNamespace }}
    namespace = "@@PODSOCK_NAMESPACE@@"
    {{- end }}
    image = {{ include "podsock.tomlString" $v.runner.defaultImage }}
    poll_timeout = {{ $v.runner.pollTimeout | int }}
    {{- with $v.runner.jobServiceAccount }}
    service_account = {{ include "podsock.tomlString" . }}
    {{- end }}
    {{- if $annotations }}
    [runners.kubernetes.pod_annotations]
      {{- range $k, $val := $annotations }}
      {{ include "podsock.tomlString" $k }} = {{ include "podsock.tomlString" $val }}
      {{- end }}
    {{- end }}
    # podsock: securityMode {{ $v.securityMode }}, image {{ include "podsock.image" $root }}
    [[runners.kubernetes.pod_spec]]
      name = "podsock"
      patch_type = "strategic"
      patch = {{ include "podsock.tomlMultiline" .patch }}
    {{- range $v.runner.extraPodSpecPatches }}
    [[runners.kubernetes.pod_spec]]
      name = {{ include "podsock.tomlString" .name }}
      patch_type = {{ include "podsock.tomlString" (.patchType | default "strategic") }}
      patch = {{ include "podsock.tomlMultiline" (trim .patch) }}
    {{- end }}
{{- end -}}

{{/*
podsock.mergedRunnerToml: path A with runner.baseConfig. The user's own
runners.config (TOML, one [[runners]]) with podsock's parts added and
everything else kept: executor kubernetes, builds_dir, the feature flag,
podsock's pod_spec entry (any earlier entry named "podsock" is replaced; the
user's own entries stay, and podsock's comes after them, then
runner.extraPodSpecPatches), the CRI-O device annotation, and the job namespace
when the config sets none. Re-encoded with toToml (keys sorted, comments
dropped); podsock's patches are written as multi-line literal strings and their
"{{" escaped for the official chart's `tpl`, while the user's own text keeps
its template expressions (e.g. namespace = "{{.Release.Namespace}}").
*/}}
{{- define "podsock.mergedRunnerToml" -}}
{{- $v := .Values -}}
{{- $cfg := fromToml $v.runner.baseConfig -}}
{{- if hasKey $cfg "Error" -}}
{{- fail (printf "runner.baseConfig is not valid TOML: %s; it must be your gitlab-runner chart's runners.config text" (get $cfg "Error")) -}}
{{- end -}}
{{- $runners := $cfg.runners | default list -}}
{{- if or (not (kindIs "slice" $runners)) (ne (len $runners) 1) -}}
{{- fail (printf "runner.baseConfig must hold exactly one [[runners]] section (the official chart registers one runner from runners.config); it holds %d" (ternary (len $runners) 0 (kindIs "slice" $runners))) -}}
{{- end -}}
{{- $r := index $runners 0 -}}
{{- if and (hasKey $r "executor") (ne (toString $r.executor) "kubernetes") -}}
{{- fail (printf "runner.baseConfig: executor = %q, but podsock works with the kubernetes executor only; remove the line or set it to \"kubernetes\"" (toString $r.executor)) -}}
{{- end -}}
{{- if and (hasKey $r "builds_dir") (ne (toString $r.builds_dir) $v.buildsDir) -}}
{{- fail (printf "runner.baseConfig: builds_dir = %q differs from the chart's buildsDir %q, where the sidecar mounts the builds volume; set --set buildsDir=%s or remove builds_dir" (toString $r.builds_dir) $v.buildsDir (toString $r.builds_dir)) -}}
{{- end -}}
{{- $_ := set $r "executor" "kubernetes" -}}
{{- $_ := set $r "builds_dir" $v.buildsDir -}}
{{- $ff := $r.feature_flags | default dict -}}
{{- $_ := set $ff "FF_USE_ADVANCED_POD_SPEC_CONFIGURATION" true -}}
{{- $_ := set $r "feature_flags" $ff -}}
{{- $k := $r.kubernetes | default dict -}}
{{- if not (hasKey $k "namespace") -}}
{{- $_ := set $k "namespace" (ternary "@@PODSOCK_NAMESPACE@@" $v.runner.jobNamespace (empty $v.runner.jobNamespace)) -}}
{{- end -}}
{{- $ann := include "podsock.podAnnotations" . | fromJson -}}
{{- if $ann -}}
{{- $_ := set $k "pod_annotations" (merge ($k.pod_annotations | default dict) $ann) -}}
{{- end -}}
{{- $specs := list -}}
{{- range ($k.pod_spec | default list) -}}
{{- if ne (toString .name) "podsock" -}}{{- $specs = append $specs . -}}{{- end -}}
{{- end -}}
{{- $patches := list (include "podsock.podSpecPatch" . | trim) -}}
{{- $specs = append $specs (dict "name" "podsock" "patch_type" "strategic" "patch" "@@PODSOCK_PATCH_0@@") -}}
{{- range $i, $p := $v.runner.extraPodSpecPatches -}}
{{- $patches = append $patches (trim $p.patch) -}}
{{- $specs = append $specs (dict "name" $p.name "patch_type" ($p.patchType | default "strategic") "patch" (printf "@@PODSOCK_PATCH_%d@@" (add1 $i))) -}}
{{- end -}}
{{- $_ := set $k "pod_spec" $specs -}}
{{- $_ := set $r "kubernetes" $k -}}
{{- $toml := toToml $cfg -}}
{{- range $i, $p := $patches -}}
{{- $lit := include "podsock.tomlMultiline" $p | replace "{{" "{{\"{{\"}}" -}}
{{- $toml = replace (printf "\"@@PODSOCK_PATCH_%d@@\"" $i) $lit $toml -}}
{{- end -}}
{{- replace "@@PODSOCK_NAMESPACE@@" "{{ .Release.Namespace }}" $toml -}}
{{- end -}}
