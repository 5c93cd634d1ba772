# shellcheck shell=sh
# Hostile requests through the sidecar's gateway (see hostile.sh for what
# each is expected to get).  Raw HTTP with curl on the pod's socket where the
# docker CLI cannot express the request.  Prints one "MARK name: ..." line a
# class:
#   raw requests:  status=<HTTP status> new=<containers that appeared> body=<answer>
#   CLI commands:  rc=<exit status> new=<containers that appeared> out=<output>
# Containers that appeared are counted and removed after every request, so
# one class cannot hide behind another.
# shellcheck source=prelude.sh
. ./prelude.sh
S=/sockets/podman.sock
V=/v1.41
img=podsock.test/busybox

# The engine's containers (ids, sorted), listed through the gateway.
ids() {
	curl -s --unix-socket "$S" "http://d$V/containers/json?all=1" |
		grep -o '"Id":"[0-9a-f]*"' | sed 's/"Id":"//; s/"$//' | sort
}
# settle: how many containers are there that KNOWN does not list (removed).
settle() {
	n=0
	for id in $(ids); do
		case "$KNOWN" in
		*"$id"*) ;;
		*)
			n=$((n + 1))
			curl -s --unix-socket "$S" -X DELETE "http://d$V/containers/$id?force=1&v=1" >/dev/null
			;;
		esac
	done
	echo "$n"
}
oneline() { head -c 600 | tr '\n\r' '  '; }
# answer CODE: the response on one line; a long success (a build's stream)
# by its start and end.
answer() {
	if [ "${1#2}" != "$1" ] && [ "$(wc -c </tmp/resp)" -gt 600 ]; then
		head -c 250 /tmp/resp
		printf ' ... '
		tail -c 350 /tmp/resp
	else
		cat /tmp/resp
	fi | tr '\n\r' '  '
}

# raw NAME METHOD TARGET [BODY]: one request, as sent (JSON).
raw() {
	name=$1 method=$2 target=$3
	: >/tmp/body
	[ $# -lt 4 ] || printf '%s' "$4" >/tmp/body
	code=$(curl -s --path-as-is --unix-socket "$S" -X "$method" -H "Content-Type: application/json" \
		--data-binary @/tmp/body -o /tmp/resp -w '%{http_code}' "http://d$target" 2>&1) || true
	printf "MARK %s: status=%s new=%s body=%s\n" "$name" "$code" "$(settle)" "$(answer "$code")"
}
# create NAME HOSTCONFIG-JSON: POST /containers/create with that HostConfig.
create() {
	raw "$1" POST "$V/containers/create" "{\"Image\":\"$img\",\"Cmd\":[\"true\"],\"HostConfig\":$2}"
}
# cli NAME CMD...: a docker CLI command.
cli() {
	name=$1
	shift
	rc=0
	out=$("$@" 2>&1) || rc=$?
	printf "MARK %s: rc=%s new=%s out=%s\n" "$name" "$rc" "$(settle)" "$(printf '%s' "$out" | oneline)"
}
# build NAME QUERY: POST /build with a small context (no cache: each runs).
build() {
	code=$(curl -s --unix-socket "$S" -X POST -H 'Content-Type: application/x-tar' \
		--data-binary @ctx.tar -o /tmp/resp -w '%{http_code}' "http://d$V/build?$2&nocache=1" 2>&1) || true
	printf "MARK %s: status=%s new=%s body=%s\n" "$1" "$code" "$(settle)" "$(answer "$code")"
}

# ---------------------------------------------------------------- controls ---
echo hello-from-builds >hello
mkdir -p ctx
printf 'FROM %s\nRUN echo built-ok >/built; ls /host 2>/dev/null | head -n 3\n' "$img" >ctx/Dockerfile
tar -cf ctx.tar -C ctx Dockerfile
docker run -d --name box $img sleep 600 >/dev/null
KNOWN=$(ids)
cli ctl-bind docker run --rm -v "$PWD:/w" $img cat /w/hello
cli ctl-volume docker run --rm -v hvol:/v $img sh -c 'echo vol-ok >/v/f; cat /v/f'
cli ctl-cap docker run --rm --cap-add SYS_CHROOT $img echo cap-ok
cli ctl-nnp docker run --rm --security-opt no-new-privileges $img echo nnp-ok
cli ctl-tmpfs docker run --rm --mount type=tmpfs,dst=/t $img echo tmpfs-ok
cli ctl-volumes-from docker run --rm --volumes-from box $img echo vf-ok
cli ctl-exec docker exec box echo exec-ok
cli ctl-volcreate docker volume create hplain
cli ctl-build sh -c "docker build -q -t podsock.test/hostile-ok ctx >/dev/null && docker run --rm podsock.test/hostile-ok cat /built"
raw ctl-libpod-get GET /v4.0.0/libpod/info

# ------------------------------------------- keys read as Go reads them ---
create key-lower '{"privileged":true}'
create key-upper '{"PRIVILEGED":true}'
create key-escaped '{"Privi\u006ceged":true}'
I="\"Image\":\"$img\",\"Cmd\":[\"true\"]"
raw key-hostconfig POST "$V/containers/create" "{$I,\"hostconfig\":{\"Privileged\":true}}"
raw key-hostconfig-fold POST "$V/containers/create" "{$I,\"Ho\\u017ftConfig\":{\"Privileged\":true}}"
create key-binds-lower '{"binds":["/etc:/x"]}'
create key-binds-fold '{"Bind\u017f":["/etc:/x"]}'
create key-mounts-lower '{"Mounts":[{"type":"bind","source":"/etc","target":"/x"}]}'
create key-masked-kelvin '{"Mas\u212aedPaths":[]}'

# ------------------------------------------------------ ambiguous bodies ---
create dup-privileged '{"Privileged":false,"Privileged":true}'
create privileged-number '{"Privileged":1}'
create privileged-string '{"Privileged":"true"}'
raw dup-hostconfig POST "$V/containers/create" "{$I,\"HostConfig\":{},\"hostconfig\":{\"Privileged\":true}}"
raw bad-surrogate POST "$V/containers/create" "{$I,\"Labels\":{\"a\":\"\\ud800\"},\"HostConfig\":{\"Privileged\":true}}"
raw trailing POST "$V/containers/create" "{$I}{\"HostConfig\":{\"Privileged\":true}}"
deep=$(head -c 2000 /dev/zero | tr '\0' '[')$(head -c 2000 /dev/zero | tr '\0' ']')
raw deep POST "$V/containers/create" "{$I,\"Z\":$deep,\"HostConfig\":{\"Privileged\":true}}"
raw non-object POST "$V/containers/create" '["Image"]'

# ---------------------------------------------------------------- targets ---
P='{"Image":"podsock.test/busybox","Cmd":["true"],"HostConfig":{"Privileged":true}}'
raw target-long POST "/v1.$(head -c 5000 /dev/zero | tr '\0' 0)41/containers/create" "$P"
raw version-long POST "/v1.$(head -c 1100 /dev/zero | tr '\0' 0)41/containers/create" "$P"
raw version-dots POST /v1..41/containers/create "$P"
raw version-suffix POST /v1.41x/containers/create "$P"
raw encoded-slash POST "$V/containers%2Fcreate" "$P"
raw encoded-dot POST "$V/containers/x/%2e%2e/create" "$P"
raw empty-segment POST "$V//containers/create" "$P"
raw encoded-letter POST "$V/containers/%63reate" "$P"
# (A body the policy lets through: only the query is wrong.)
raw query-semicolon POST "$V/containers/create?name=a;b" "{$I}"
# A parameter twice, spelled differently: podman's handlers read the first,
# gorilla/schema the last; the gateway checks every instance.
raw query-dup-fold POST "$V/images/create?fromSrc=-&FROMSRC=/etc/passwd&repo=hostile"

# ------------------------------------------------------ exec and libpod ---
raw exec-lower POST "$V/containers/box/exec" '{"privileged":true,"Cmd":["true"]}'
cli exec-cli docker exec --privileged box true
raw exec-surrogate POST "$V/containers/box/exec" '{"Cmd":["true"],"User":"\ud800","Privileged":true}'
raw exec-libpod POST /v4.0.0/libpod/containers/box/exec '{"Privileged":true,"Cmd":["true"]}'
raw libpod-create POST /v4.0.0/libpod/containers/create "{\"image\":\"$img\",\"command\":[\"true\"],\"cap_add\":[\"ALL\"],\"unmask\":[\"ALL\"]}"
raw libpod-volume POST /v4.0.0/libpod/volumes/create '{"Name":"hlibpod"}'

# ------------------------------------------------------ unknown endpoints ---
raw ep-swarm GET "$V/swarm"
raw ep-swarm-init POST "$V/swarm/init" '{}'
raw ep-plugins GET "$V/plugins"
raw ep-session POST /session '{}'
raw ep-unknown GET "$V/hostile/endpoint"

# ---------------------------------------------------------- mount sources ---
mkdir -p x .x
ln -s / rootlink
create bind-dot-relative '{"Binds":["./x:/x"]}'
create bind-dot-name '{"Binds":[".x:/x"]}'
create bind-dotdot-name '{"Binds":["..:/x"]}'
create bind-proc '{"Binds":["/proc:/x"]}'
create bind-root '{"Binds":["/:/x"]}'
create bind-runtime '{"Binds":["/run/podsock:/x"]}'
create bind-symlink "{\"Binds\":[\"$PWD/rootlink:/x\"]}"
cli bind-proc-cli docker run --rm -v /proc:/x $img true
# A directory at create, a symlink to / at start.
mkdir racedir
docker create --name race -v "$PWD/racedir:/x" $img ls /x >/dev/null
KNOWN=$(ids)
rmdir racedir
ln -s / racedir
rc=0
out=$(docker start -a race 2>&1) || rc=$?
printf "MARK race: rc=%s started=%s out=%s\n" "$rc" "$(docker inspect race --format '{{.State.StartedAt}}')" "$(printf '%s' "$out" | oneline)"
docker rm -f race >/dev/null
KNOWN=$(ids)
create volumes-from-unknown '{"VolumesFrom":["0123456789abcdef"]}'
# A volume that binds the sidecar's runtime directory, then used.
raw volume-bind POST "$V/volumes/create" '{"Name":"hevil","DriverOpts":{"type":"none","o":"bind","device":"/run/podsock"}}'
cli volume-bind-use docker run --rm -v hevil:/x $img ls -A /x
cli volume-bind-cli docker volume create -o type=none -o o=bind -o device=/run/podsock hevil2
create mount-volume-opts '{"Mounts":[{"Type":"volume","Source":"hevil3","Target":"/x","VolumeOptions":{"DriverConfig":{"Name":"local","Options":{"type":"none","o":"bind","device":"/run/podsock"}}}}]}'

# -------------------------------------------------- hardening switches ---
create cap-all '{"CapAdd":["ALL"]}'
create cap-sys-admin '{"CapAdd":["cap_sys_admin"]}'
cli cap-net-admin-cli docker run --rm --cap-add NET_ADMIN $img true
create secopt-seccomp '{"SecurityOpt":["seccomp=unconfined"]}'
cli secopt-seccomp-cli docker run --rm --security-opt seccomp=unconfined $img true
echo '{"defaultAction":"SCMP_ACT_ALLOW"}' >allow-all.json
create secopt-seccomp-file "{\"SecurityOpt\":[\"seccomp=$PWD/allow-all.json\"]}"
create secopt-apparmor '{"SecurityOpt":["apparmor=unconfined"]}'
create secopt-label '{"SecurityOpt":["label=disable"]}'
create secopt-systempaths '{"SecurityOpt":["systempaths=unconfined"]}'
create masked-empty '{"MaskedPaths":[]}'
create devices-fuse '{"Devices":[{"PathOnHost":"/dev/fuse","PathInContainer":"/dev/fuse","CgroupPermissions":"rwm"}]}'
raw update-devices POST "$V/containers/box/update" '{"Devices":[{"PathOnHost":"/dev/null","PathInContainer":"/dev/h","CgroupPermissions":"rwm"}]}'
create sysctls '{"Sysctls":{"kernel.msgmax":"65536"}}'
create pid-host '{"PidMode":"host"}'
create ipc-host '{"IpcMode":"host"}'
create userns-host '{"UsernsMode":"host"}'
create cgroupns-host '{"CgroupnsMode":"host"}'
create log-path '{"LogConfig":{"Type":"k8s-file","Config":{"path":"/run/podsock/hostile.log"}}}'
create volume-driver '{"VolumeDriver":"hostile"}'
create runtime '{"Runtime":"runc"}'
create cgroup-parent '{"CgroupParent":"/hostile"}'

# ------------------------------------------------------------------ builds ---
build build-volume 'volume=/:/host'
build build-volume-fold 'VOLUME=/:/host'
build build-devices 'devices=/dev/fuse'
build build-outputs 'outputs=type%3Dlocal%2Cdest%3D%2Frun%2Fpodsock%2Fout'
build build-nsoptions 'nsoptions=%5B%7B%22Name%22%3A%22user%22%2C%22Host%22%3Atrue%7D%5D'
build build-dockerfile 'dockerfile=../../etc/passwd'
raw images-fromsrc POST "$V/images/create?fromSrc=/etc/passwd&repo=hostile" ''

docker rm -f box >/dev/null
docker volume rm -f hvol hplain hevil hevil2 hevil3 >/dev/null 2>&1 || true
echo "MARK left: $(settle)"
