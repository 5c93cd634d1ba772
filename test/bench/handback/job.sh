# shellcheck shell=sh
# Runs in a podsim job for test/bench/handback/run: after a warm-up, waits
# for go.K (written by the orchestrator into /builds/demo; it holds N), runs
# one timed `docker run --rm --user 1234:1234 -v "$PWD:/w"` of a container
# that writes N empty files into /w/x, and writes "MS OWNER" to res.K (OWNER:
# the uid of /w/x as the job sees it right after the call, i.e. whether the
# hand-back ran).  Then, untimed, the writer removes its files.  Ends at stop.
set -eu
IMG=podsock.test/busybox:latest
docker import busybox.tar "$IMG" >/dev/null
write() { # N
	docker run --rm --user 1234:1234 -v "$PWD:/w" "$IMG" sh -c \
		'mkdir /w/x && cd /w/x && if [ "$0" -gt 0 ]; then seq 1 "$0" | sed s/^/f/ | xargs touch; fi' "$1"
}
clean() {
	docker run --rm --user 1234:1234 -v "$PWD:/w" "$IMG" rm -rf /w/x
	rm -rf x
}
write 100 && clean && write 0 && clean
touch ready
i=1
while :; do
	while [ ! -e go.$i ] && [ ! -e stop ]; do sleep 0.01; done
	[ ! -e stop ] || break
	n=$(cat go.$i)
	s=$(date +%s%N)
	if write "$n" >/dev/null 2>err.$i; then
		r="$(( ($(date +%s%N) - s) / 1000000 )) $(stat -c %u x)"
	else
		r="fail -"
	fi
	clean >/dev/null 2>&1 || true
	echo "$r" >res.$i.tmp && mv res.$i.tmp res.$i
	i=$((i + 1))
done
