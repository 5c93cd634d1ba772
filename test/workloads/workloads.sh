#!/usr/bin/env bash
# The differential workload suite: job.sh (the steps of real CI pipelines:
# exit statuses, stop, kill, restart, exec, cp, logs, builds, networks,
# compose, Testcontainers, files of container users in the project
# directory) runs against
#   dockerd  a rootful dockerd from Debian's docker.io, started as root in its
#            own mount namespace as docker:dind starts it
#            (test/common/dockerd.sh): the reference;
#   notun    podsock in a podsim pod without /dev/net/tun;
#   tun      podsock in a podsim pod with /dev/net/tun (--device tun);
# each time as the same non-root job user (uid 1600) in its project
# directory.  Every step's value (exit status and what users observe) must
# equal the reference's, except for the documented exceptions below, where
# podsock's value must match the exception's own expectation instead.
#
#   workloads.sh [MODE]...      (default: dockerd notun tun)
#
# With PODSIM_ROOTFS (ctest image.pod.workloads) the pods run the image's
# files and engine (podman 5) instead of the host's: the logs and the table
# are then named workloads-image*, and an exception may name that engine
# only ("image:tun").
#
# Environment: WL_STEPS (job.sh step groups to run, e.g. "run stop"),
# WL_REUSE_LOGS=1 (compare the results of the last run's logs, run nothing),
# WL_REPORT (a file for the Markdown table, default $BUILD/workloads.md),
# WL_TIMEOUT (each docker command's deadline in the job).
# Images: scripts/make-test-images --with all (cached in
# /var/cache/podsock/images; the first build on a machine takes minutes).
# shellcheck source=../common/lib.sh
. "$(dirname "$0")/../common/lib.sh"
# shellcheck source=../common/dockerd.sh
. "$TOP/test/common/dockerd.sh"
WL_DIR=$TOP/test/workloads

# ---- the documented exceptions: the only places podsock may differ ----
# STEP|MODES (notun, tun or "notun tun"; "image:tun" only on the image's
# engine)|podsock's expected VALUE (a glob)|why
EXCEPTIONS=$(
	cat <<'EOF'
testcontainers-postgres|notun tun|rc=0 answer=42|The reference dockerd runs with --bridge=none as the issue's docker:dind set-up does: a container on the default network has no network, so its published port cannot be reached (Docker publishes ports only on bridge networks). podsock must pass on its own.
build-cache-mount|notun tun|rc=0|dockerd's classic builder refuses `RUN --mount` ("the --mount option requires BuildKit"); podman's builder (buildah) runs cache mounts without BuildKit, which is what the issue asks for: the classic builder is the one podsock offers, so it must work there.
exec-notfound|notun tun|rc=127|crun reports a command that does not exist as 127, the shell's and `docker run`'s code for it; dockerd 20.10's exec gives 126 for the same command. A job that tests for "not found" gets the conventional code.
project-files|notun tun|write=0 uid=1234 rm=0|With rootful Docker the files a non-root container user writes into the project directory belong to that UID on the host and the job (uid 1600) cannot delete them (rm fails); podsock hands them back to the job (docs/ownership.md), so the job deletes them at once.
EOF
)

# What the reference itself must give (else the suite or the machine is
# broken, and a match would prove nothing): STEP|dockerd's VALUE (a glob).
REFERENCE=$(
	cat <<'EOF'
run-rm-exit3|rc=3 out=out left=0
run-rm-killed|kill=0 rc=137 left=0
run-rm-notfound|rc=127 left=0
run-detached-rm-notfound|rc=127 left=0
stop-trap|rc=0 exit=7 trapped=yes in-time=yes
build-apt-run|rc=0 out=Hello, world!,builder,*
network-by-name|name=hello_from_podsock.test/http alias=hello_from_podsock.test/http
compose-up|rc=0 app=42
compose-v2-up|rc=0 app=42
containers-left|0
EOF
)

need_root
need_podman
[ "${PODSOCK_WORKLOADS:-1}" != 0 ] || skip "PODSOCK_WORKLOADS=0"
modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(dockerd notun tun)
for m in "${modes[@]}"; do
	case $m in dockerd | notun | tun) ;; *) fail "unknown mode $m (dockerd, notun or tun)" ;; esac
done
if [[ " ${modes[*]} " == *" dockerd "* ]]; then
	dockerd_available >/dev/null 2>&1 || skip "$(dockerd_available 2>&1): install docker.io"
fi

stage_job() {
	"$TOP/scripts/make-test-images" --with all "$IMAGES" >&2 ||
		fail "the test images could not be built (scripts/make-test-images --with all)"

	# The job's directory: job.sh, images (the tarballs of debian and postgres;
	# the job builds http and nonroot FROM debian with their changes), files,
	# node, tools.
	stage=$WORK/wl
	mkdir -p "$stage/images"
	for n in debian http nonroot postgres; do
		cp "$IMAGES/$n.changes" "$stage/images/"
	done
	for n in debian postgres; do
		ln "$IMAGES/$n.tar" "$stage/images/$n.tar" 2>/dev/null || cp "$IMAGES/$n.tar" "$stage/images/$n.tar"
	done
	cp -a "$WL_DIR/job.sh" "$WL_DIR/files" "$stage/"
	# Compose v2 (bookworm has 1.29 only): trixie's docker-compose 2.x binary as
	# the job's CLI plugin, when make-test-images can fetch it (else the step
	# says no-compose-v2 for every engine and the log says why).
	if "$TOP/scripts/make-test-images" --with compose-v2 "$IMAGES" >&2; then
		mkdir -p "$stage/tools"
		cp "$IMAGES/docker-compose-v2" "$stage/tools/docker-compose"
	else
		echo "workloads: no compose v2 client (see above): its steps are skipped in every mode" >&2
	fi
	if [ -d "$TOP/test/node/node_modules/testcontainers" ]; then
		cp -a "$TOP/test/node" "$stage/node"
	fi
}
[ "${WL_REUSE_LOGS:-0}" = 1 ] || stage_job

# Which engine the pods run: the host's, or the image's (podsim --rootfs).
WL_ENGINE=host
WL_LOG=$BUILD/workloads
if [ -n "${PODSIM_ROOTFS:-}" ]; then
	WL_ENGINE=image
	WL_LOG=$BUILD/workloads-image
fi

declare -A VAL DET SECS
run_mode() { # MODE: runs the job; fills VAL[MODE/STEP], DET[MODE/STEP]
	local m=$1 out rc=0 line step
	local t0=$SECONDS
	if [ "${WL_REUSE_LOGS:-0}" = 1 ]; then
		echo "=== $m: the results of $WL_LOG-$m.log (WL_REUSE_LOGS=1)" >&2
		out=$(cat "$WL_LOG-$m.log") || fail "no $WL_LOG-$m.log to reuse"
		m=reuse-$m
	else
		echo "=== $m: running the job" >&2
	fi
	case $m in
	dockerd)
		chmod 0711 "$WORK"
		dockerd_start "$WORK/d" >/dev/null || fail "the reference dockerd did not start (see above)"
		chmod 0755 "$WORK/d"
		chmod 0666 "$DOCKERD_SOCK"
		local proj=$WORK/ref/demo
		mkdir -p "$proj"
		chmod 0777 "$WORK/ref" "$proj"
		cp -a "$stage" "$proj/wl"
		chown -R "$BUILD_UID:$BUILD_UID" "$proj"
		out=$(cd "$proj" && setpriv --reuid="$BUILD_UID" --regid="$BUILD_UID" --init-groups \
			env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin DOCKER_HOST="$DOCKERD_HOST" \
			CI_PROJECT_DIR="$proj" WL_STEPS="${WL_STEPS:-}" WL_TIMEOUT="${WL_TIMEOUT:-}" \
			bash wl/job.sh wl 2>&1) || rc=$?
		DOCKERD_STOP_TIMEOUT=5 dockerd_stop "$WORK/d" >&2 || true
		rm -rf --one-file-system "$WORK/ref"
		;;
	notun | tun)
		local -a popts=(--pod-dir "$WORK/pod-$m" --log "$WORK/sidecar-$m.log" --copy-in "$stage:wl"
			--job-env "WL_STEPS=${WL_STEPS:-}" --job-env "WL_TIMEOUT=${WL_TIMEOUT:-}")
		[ "$m" = notun ] || popts+=(--device tun)
		out=$("$PODSIM" "${popts[@]}" -- bash wl/job.sh wl 2>&1) || rc=$?
		rm -rf --one-file-system "$WORK/pod-$m"
		;;
	reuse-*) m=${m#reuse-} ;;
	esac
	SECS[$m]=$((SECONDS - t0))
	printf '%s\n' "$out" >"$WL_LOG-$m.log"
	[ "$rc" = 0 ] || {
		echo "--- $m: the job exited $rc; its output:" >&2
		tail -n 40 <<<"$out" >&2
		[ "$m" = dockerd ] || { echo "--- $m: the sidecar's log (end):" >&2; tail -n 30 "$WORK/sidecar-$m.log" >&2 || true; }
	}
	while IFS= read -r line; do
		case $line in
		"RESULT "*)
			line=${line#RESULT }
			step=${line%% *}
			VAL[$m/$step]=${line#"$step" }
			STEPS+=("$step")
			;;
		"DETAIL "*)
			line=${line#DETAIL }
			step=${line%%: *}
			DET[$m/$step]+="${line#"$step": } / "
			;;
		esac
	done <<<"$out"
	echo "=== $m: $(grep -c '^RESULT ' <<<"$out") results in ${SECS[$m]} s; $(sed -n 's/^MARK containers-left: //p' <<<"$out") containers left" >&2
}

STEPS=()
for m in "${modes[@]}"; do run_mode "$m"; done

# exception STEP MODE: prints "EXPECT|WHY" when STEP has one for MODE.
exception() {
	local s ms e w
	while IFS='|' read -r s ms e w; do
		[ "$s" = "$1" ] || continue
		[[ " $ms " == *" $2 "* || " $ms " == *" $WL_ENGINE:$2 "* ]] || continue
		printf '%s|%s\n' "$e" "$w"
		return 0
	done <<<"$EXCEPTIONS"
	return 1
}

report=${WL_REPORT:-$WL_LOG.md}
fails=0
if [[ " ${modes[*]} " == *" dockerd "* ]]; then
	while IFS='|' read -r step want; do
		v=${VAL[dockerd/$step]-(no result)}
		[ "$v" = "(no result)" ] && [ -n "${WL_STEPS:-}" ] && continue
		# shellcheck disable=SC2053
		if [[ $v != $want ]]; then
			fails=$((fails + 1))
			echo "FAIL dockerd $step: the reference gives '$v', expected '$want': the suite or this machine is broken${DET[dockerd/$step]:+; error: ${DET[dockerd/$step]}}" >&2
		fi
	done <<<"$REFERENCE"
fi
{
	printf '| step |'
	for m in "${modes[@]}"; do printf ' %s |' "$m"; done
	printf '\n|---|'
	for m in "${modes[@]}"; do printf -- '---|'; done
	printf '\n'
} >"$report.new"
mapfile -t uniq < <(printf '%s\n' "${STEPS[@]}" | awk '!seen[$0]++')
for step in "${uniq[@]}"; do
	row="| $step |"
	ref=${VAL[dockerd/$step]-}
	for m in "${modes[@]}"; do
		v=${VAL[$m/$step]-(no result)}
		cell="\`$v\`"
		if [ "$m" != dockerd ] && [[ " ${modes[*]} " == *" dockerd "* ]]; then
			if ex=$(exception "$step" "$m"); then
				# shellcheck disable=SC2053
				if [[ $v == ${ex%%|*} ]]; then
					cell="✅ (exception) $cell"
				else
					cell="❌ $cell, expected \`${ex%%|*}\`"
					fails=$((fails + 1))
					echo "FAIL $m $step: got '$v', expected '${ex%%|*}' (exception: ${ex#*|})" >&2
				fi
			elif [ "$v" = "$ref" ]; then
				cell="✅ $cell"
			else
				cell="❌ $cell"
				fails=$((fails + 1))
				echo "FAIL $m $step: got '$v', dockerd gives '$ref'${DET[$m/$step]:+; error: ${DET[$m/$step]}}" >&2
			fi
		fi
		row+=" $cell |"
	done
	echo "$row" >>"$report.new"
done
mv "$report.new" "$report"
cat "$report"
for m in "${modes[@]}"; do echo "seconds: $m ${SECS[$m]}"; done
echo "the table: $report; the jobs' output: $WL_LOG-MODE.log (engine: $WL_ENGINE)"
[ "$fails" = 0 ] || fail "$fails step(s) differ from the reference dockerd (see FAIL lines above)"
if [[ " ${modes[*]} " != *" dockerd "* ]]; then
	ok "values of ${modes[*]} shown; nothing compared (no dockerd run: add the mode dockerd)"
else
	ok "every step of ${modes[*]} matches (documented exceptions: $(grep -c . <<<"$EXCEPTIONS"))"
fi
