# shellcheck shell=sh
# Runs in the podsim job of test/bench/dockerd/run: imports the busybox
# image, warms up, then runs each command file cmd.N the orchestrator puts
# into /builds/demo (the same text it runs against dockerd), writing its
# wall time in ms (or "fail") to res.N.  Ends at the file stop.
set -eu
docker import busybox.tar t/bb >/dev/null
docker run --rm --network host t/bb true
docker run --rm --network host t/bb true
touch ready
i=1
while :; do
	while [ ! -e cmd.$i ] && [ ! -e stop ]; do sleep 0.005; done
	[ ! -e stop ] || break
	s=$(date +%s%N)
	if timeout 600 sh cmd.$i >cmd.out 2>&1; then
		r=$((($(date +%s%N) - s) / 1000000))
	else
		r=fail
		echo "job: cmd.$i failed: $(cat cmd.$i)" >&2
		cat cmd.out >&2
	fi
	echo "$r" >res.$i.tmp && mv res.$i.tmp res.$i
	i=$((i + 1))
done
