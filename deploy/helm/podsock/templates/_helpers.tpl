{{/*
Names, labels and the fixed paths that podsock's binaries agree on.
*/}}

{{- define "podsock.fullname" -}}
{{- if contains "podsock" .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-podsock" .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "podsock.managerName" -}}
{{- printf "%s-runner" (include "podsock.fullname" .) -}}
{{- end -}}

{{- define "podsock.labels" -}}
app.kubernetes.io/name: podsock
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: podsock
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{- define "podsock.managerSelector" -}}
app.kubernetes.io/name: podsock
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: runner-manager
{{- end -}}

{{/* Namespace of the job pods, the podsock-config ConfigMap and the Role. */}}
{{- define "podsock.jobNamespace" -}}
{{- .Values.runner.jobNamespace | default .Release.Namespace -}}
{{- end -}}

{{- define "podsock.image" -}}
{{- with .Values.image.registry -}}{{ . | trimSuffix "/" }}/{{- end -}}
{{- printf "%s:%s" .Values.image.repository .Values.image.tag -}}
{{- end -}}

{{/*
podsock.imageLocal: why the image cannot be pulled from a registry, or empty.
*/}}
{{- define "podsock.imageLocal" -}}
{{- $ref := include "podsock.image" . -}}
{{- $first := regexReplaceAll "/.*$" $ref "" -}}
{{- if eq $first "localhost" -}}
{{ $ref }} is a local name: no registry serves it, each node must already have it in its image store
{{- else if not (contains "/" $ref) -}}
{{ $ref }} has no registry: it means docker.io/library/{{ $ref }}, which is not podsock's image
{{- end -}}
{{- end -}}

{{/* Fixed paths (the podsock binaries and the build container agree on them). */}}
{{- define "podsock.socketDir" -}}/sockets{{- end -}}
{{- define "podsock.socket" -}}/sockets/podman.sock{{- end -}}
{{- define "podsock.storageDir" -}}/var/lib/podsock/storage{{- end -}}
{{- define "podsock.idsDir" -}}/podsock-ids{{- end -}}
{{- define "podsock.configFile" -}}/etc/podsock/podsock.yaml{{- end -}}
{{- define "podsock.runtimeDir" -}}/run/podsock{{- end -}}
{{- define "podsock.home" -}}/home/podsock{{- end -}}

{{/*
securityContext of podsock-sidecar for .Values.securityMode, with
.Values.sidecar.securityContext merged over it.
*/}}
{{- define "podsock.sidecarSecurityContext" -}}
{{- $s := .Values.security -}}
{{- $c := dict "privileged" false "allowPrivilegeEscalation" true "readOnlyRootFilesystem" $s.readOnlyRootFilesystem -}}
{{- if eq .Values.securityMode "userns" -}}
{{- $_ := set $c "runAsUser" 0 -}}
{{- $_ := set $c "runAsGroup" 0 -}}
{{- $_ := set $c "runAsNonRoot" false -}}
{{- $_ := set $c "procMount" "Unmasked" -}}
{{- $_ := set $c "capabilities" (dict "drop" (list "ALL") "add" $s.usernsCapabilities) -}}
{{- else -}}
{{- $_ := set $c "runAsNonRoot" true -}}
{{- if eq .Values.securityMode "standard" -}}
{{- $_ := set $c "runAsUser" $s.runAsUser -}}
{{- $_ := set $c "runAsGroup" $s.runAsGroup -}}
{{- end -}}
{{- $_ := set $c "capabilities" (dict "drop" (list "ALL") "add" (list "SETUID" "SETGID")) -}}
{{- end -}}
{{- include "podsock.checkProfile" . -}}
{{- $profile := $s.profile | default "unconfined" -}}
{{- $seccomp := $s.seccompProfile -}}
{{- $apparmor := $s.appArmorProfile -}}
{{- if eq $profile "unconfined" -}}
{{- $seccomp = dict "type" "Unconfined" -}}
{{- $apparmor = dict "type" "Unconfined" -}}
{{- else if eq $profile "localhost" -}}
{{- $seccomp = dict "type" "Localhost" "localhostProfile" $s.localhostProfiles.seccomp -}}
{{- $apparmor = dict "type" "Localhost" "localhostProfile" $s.localhostProfiles.appArmor -}}
{{- end -}}
{{- if and (eq .Values.securityMode "openshift") (ne $profile "custom") -}}
{{- $apparmor = dict -}}
{{- end -}}
{{- with $seccomp -}}
{{- $_ := set $c "seccompProfile" . -}}
{{- end -}}
{{- with $apparmor -}}
{{- $_ := set $c "appArmorProfile" . -}}
{{- end -}}
{{- toYaml (mergeOverwrite $c (deepCopy .Values.sidecar.securityContext)) -}}
{{- end -}}

{{/*
securityContext of podsock-init: it only writes files into emptyDirs, so it
gets no capabilities (userns: enough to chown what it creates) and the
runtime's default seccomp profile.
*/}}
{{- define "podsock.initSecurityContext" -}}
{{- $s := .Values.security -}}
{{- $c := dict "privileged" false "allowPrivilegeEscalation" false "readOnlyRootFilesystem" $s.readOnlyRootFilesystem "seccompProfile" (dict "type" "RuntimeDefault") -}}
{{- if eq .Values.securityMode "userns" -}}
{{- $_ := set $c "runAsUser" 0 -}}
{{- $_ := set $c "runAsGroup" 0 -}}
{{- $_ := set $c "runAsNonRoot" false -}}
{{- $_ := set $c "capabilities" (dict "drop" (list "ALL") "add" (list "CHOWN" "DAC_OVERRIDE" "FOWNER")) -}}
{{- else -}}
{{- $_ := set $c "runAsNonRoot" true -}}
{{- if eq .Values.securityMode "standard" -}}
{{- $_ := set $c "runAsUser" $s.runAsUser -}}
{{- $_ := set $c "runAsGroup" $s.runAsGroup -}}
{{- end -}}
{{- $_ := set $c "capabilities" (dict "drop" (list "ALL")) -}}
{{- end -}}
{{- toYaml (mergeOverwrite $c (deepCopy .Values.init.securityContext)) -}}
{{- end -}}

{{/* Resources of podsock-sidecar, with device-plugin requests added. */}}
{{- define "podsock.sidecarResources" -}}
{{- $r := deepCopy .Values.sidecar.resources -}}
{{- if and .Values.storage.ephemeralStorageRequest (not .Values.storage.persistentVolumeClaim.claimName) -}}
{{- $req := $r.requests | default dict -}}
{{- if not (hasKey $req "ephemeral-storage") -}}
{{- $_ := set $req "ephemeral-storage" .Values.storage.ephemeralStorageRequest -}}
{{- end -}}
{{- $_ := set $r "requests" $req -}}
{{- end -}}
{{- range $name, $dev := .Values.devices -}}
{{- if eq $dev.mode "devicePlugin" -}}
{{- $limits := $r.limits | default dict -}}
{{- $_ := set $limits $dev.resourceName ($dev.count | int) -}}
{{- $_ := set $r "limits" $limits -}}
{{- end -}}
{{- end -}}
{{- toYaml $r -}}
{{- end -}}

{{/* Pod annotations for the runner (CRI-O device annotation + extras). */}}
{{- define "podsock.podAnnotations" -}}
{{- $a := deepCopy .Values.runner.podAnnotations -}}
{{- $devs := list -}}
{{- if eq .Values.devices.fuse.mode "crioAnnotation" -}}{{- $devs = append $devs "/dev/fuse" -}}{{- end -}}
{{- if eq .Values.devices.netTun.mode "crioAnnotation" -}}{{- $devs = append $devs "/dev/net/tun" -}}{{- end -}}
{{- if $devs -}}
{{- $_ := set $a "io.kubernetes.cri-o.Devices" (join "," $devs) -}}
{{- end -}}
{{- toJson $a -}}
{{- end -}}

{{/*
podsock.checkStorage: storage.shared reader or writer needs a claim. A template
`fail`, not the schema, so that the message says why (helm template and
install stop on it; helm lint only logs it).
*/}}
{{- define "podsock.checkStorage" -}}
{{- $shared := .Values.storage.shared | default "none" -}}
{{- if and (ne $shared "none") (not .Values.storage.persistentVolumeClaim.claimName) -}}
{{- fail (printf "storage.shared=%s needs storage.persistentVolumeClaim.claimName: a shared image cache lives on an existing PersistentVolumeClaim that the job pods mount together (ReadWriteMany when they run on several nodes); set the claim, or storage.shared=none for a private emptyDir per job" $shared) -}}
{{- end -}}
{{- end -}}

{{/*
podsock.sharedEnv: the environment that podsock-init and podsock-sidecar both
need on a shared cache volume (docs/init.md "3. Storage"): the mode, and the
pod's name for its own graphroot STORAGE/pods/POD_NAME. Empty for none.
*/}}
{{- define "podsock.sharedEnv" -}}
{{- $shared := .Values.storage.shared | default "none" -}}
{{- if ne $shared "none" }}
# storage.shared={{ $shared }}: {{ if eq $shared "writer" }}this pod's graphroot is the shared image store{{ else }}own graphroot, reads the shared image store{{ end }}
- name: PODSOCK_STORAGE_SHARED
  value: {{ ternary "writer" "true" (eq $shared "writer") | quote }}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
{{- end }}
{{- end -}}

{{/*
podsock.checkProfile: seccompProfile/appArmorProfile only with profile custom,
so that a value is never silently ignored.
*/}}
{{- define "podsock.checkProfile" -}}
{{- $s := .Values.security -}}
{{- if and (ne ($s.profile | default "unconfined") "custom") (or $s.seccompProfile $s.appArmorProfile) -}}
{{- fail (printf "security.seccompProfile and security.appArmorProfile are used only with security.profile=custom (security.profile is %s, which sets both profiles itself); set security.profile=custom, or remove them" ($s.profile | default "unconfined")) -}}
{{- end -}}
{{- end -}}

{{/*
podsock.podSecurityLevel: the Pod Security level the job namespace needs.
*/}}
{{- define "podsock.podSecurityLevel" -}}
{{- $s := .Values.security -}}
{{- if eq .Values.securityMode "userns" -}}
privileged
{{- else if eq ($s.profile | default "unconfined") "unconfined" -}}
privileged
{{- else if and (eq $s.profile "custom") (or (eq (($s.seccompProfile | default dict).type | default "") "Unconfined") (eq (($s.appArmorProfile | default dict).type | default "") "Unconfined")) -}}
privileged
{{- else -}}
baseline
{{- end -}}
{{- end -}}

{{/*
podsock.checkConfig: the sidecar's podsock.yaml (.Values.config) checked as
podsock-sidecar checks it (sidecar/config.c, docs/config.md): YAML, known
sections and keys, log.level. test/deploy/config-keys compares this list with
`podsock-sidecar --print-config`.
*/}}
{{- define "podsock.configKeys" -}}
socket: [path, mode, group]
paths: [runtimeDir, buildsDir, handBack, statusFile]
storage: [dir, drivers, sizeLimit, prune, highWatermark, lowWatermark, pruneInterval, shared]
engine: [podman, memoryMax, pidsMax, nofile, nproc, restartMax, restartWindow]
containers: [memory, pids]
registries: [mirrors]
gateway: [enabled, waitTimeout, allowedBindSources, allowPrivileged, allowLibpod, allowHostNamespaces, allowedCapabilities, allowedSecurityOpts, allowedDevices, allowedSysctls, defaultStopTimeout]
hardening: [seccomp, dropCapabilities]
log: [level, format]
shutdown: [grace]
{{- end -}}

{{- define "podsock.checkConfig" -}}
{{- $known := include "podsock.configKeys" . | fromYaml -}}
{{- $text := .Values.config | default "" -}}
{{- $cfg := $text | fromYaml -}}
{{- if hasKey $cfg "Error" -}}
{{- fail (printf "config (the sidecar's podsock.yaml) is not valid YAML: %s; fix the syntax (docs/config.md)" (get $cfg "Error")) -}}
{{- end -}}
{{- range $section, $body := $cfg -}}
{{- if not (hasKey $known $section) -}}
{{- fail (printf "config: %s: unknown section; the sections are %s (docs/config.md)" $section (keys $known | sortAlpha | join ", ")) -}}
{{- end -}}
{{- if and $body (not (kindIs "map" $body)) -}}
{{- fail (printf "config: %s: must be a mapping of keys, not %s (docs/config.md)" $section (kindOf $body)) -}}
{{- end -}}
{{- range $key, $_ := ($body | default dict) -}}
{{- if not (has $key (get $known $section)) -}}
{{- fail (printf "config: %s.%s: unknown key; the keys of %s are %s (docs/config.md)" $section $key $section (get $known $section | join ", ")) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- with $cfg.log -}}
{{- if and (hasKey . "level") (not (has (toString .level) (list "debug" "info" "warn" "error"))) -}}
{{- fail (printf "config: log.level: '%v' is not one of debug, info, warn or error" .level) -}}
{{- end -}}
{{- if and (hasKey . "format") (not (has (toString .format) (list "json" "text"))) -}}
{{- fail (printf "config: log.format: '%v' is not one of json or text" .format) -}}
{{- end -}}
{{- end -}}
{{- end -}}
