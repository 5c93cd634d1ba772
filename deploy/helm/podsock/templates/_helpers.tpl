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
{{- printf "%s:%s" .Values.image.repository .Values.image.tag -}}
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
{{- with $s.seccompProfile -}}
{{- $_ := set $c "seccompProfile" . -}}
{{- end -}}
{{- with $s.appArmorProfile -}}
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
