#!/bin/sh
# Runs in the build container (uid 1600): nested containers write into the
# project directory as container root and as container uid 1234; then the
# job waits while the test hands ownership back (as the sidecar will), and
# reads and deletes everything.
set -eu
docker import busybox.tar t/bb >/dev/null
docker run --rm --network host --user 1234:1234 -v "$CI_PROJECT_DIR:/w" t/bb \
	sh -c 'umask 077 && mkdir -p /w/nested/deep && echo from-1234 > /w/nested/deep/f.txt'
docker run --rm --network host -v "$CI_PROJECT_DIR:/w" t/bb \
	sh -c 'mkdir /w/rootdir && echo from-root > /w/rootdir/r.txt'
echo "owners before: $(stat -c '%n=%u:%a' nested nested/deep rootdir rootdir/r.txt 2>&1 | tr '\n' ' ')"
if rm -rf nested 2>/dev/null; then echo "BEFORE: deleted nested (unexpected)"; else echo "before: cannot delete nested"; fi
if rm -f rootdir/r.txt 2>/dev/null; then echo "BEFORE: deleted rootdir/r.txt (unexpected)"; else echo "before: cannot delete rootdir/r.txt"; fi
touch .handback-ready
i=0
while [ ! -e .handback-done ]; do
	i=$((i + 1))
	[ "$i" -lt 600 ] || { echo "no hand-back within 60 s"; exit 3; }
	sleep 0.1
done
echo "owners after: $(stat -c '%n=%u:%a' nested nested/deep nested/deep/f.txt rootdir rootdir/r.txt | tr '\n' ' ')"
echo "read: $(cat nested/deep/f.txt) $(cat rootdir/r.txt)"
rm -rf nested rootdir
[ ! -e nested ] && [ ! -e rootdir ] && echo "deleted nested and rootdir as uid $(id -u)"
