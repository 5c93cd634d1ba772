#!/usr/bin/env bash
# The image built (or reused) and its root file system exported for podsim
# --rootfs (the fixture of the image.pod.* and image.cve tests), and what
# the pod relies on in it: podman 5 and its helpers, newuidmap/newgidmap
# with file capabilities (not setuid), the three binaries, and the mount
# points a kubelet mounts over (resolv.conf, hosts, hostname).
# shellcheck source=../common/lib.sh
. "$(dirname "$0")/../common/lib.sh"
need_root
need_podman
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
image_rootfs_ensure
r=$IMAGE_ROOTFS
v=$(rootfs_package_version podman)
dpkg --compare-versions "${v:-0}" ge 5.4 || fail "the image's podman is '${v:-missing}', expected 5.4 or later (Debian 13)"
ok "podman $v in the image"
for p in crun conmon fuse-overlayfs passt netavark aardvark-dns nftables slirp4netns uidmap catatonit; do
	pv=$(rootfs_package_version "$p") || fail "package $p is missing from the image"
	ok "$p $pv"
done
for b in podsock-init podsock-sidecar podsock-probe; do
	[ -x "$r/usr/local/bin/$b" ] || fail "$r/usr/local/bin/$b is missing"
done
ok "the three binaries are in /usr/local/bin"
assert_contains "$(getcap "$r/usr/bin/newuidmap")" "cap_setuid=ep" "newuidmap has the file capability cap_setuid (kept by the export)"
assert_contains "$(getcap "$r/usr/bin/newgidmap")" "cap_setgid=ep" "newgidmap has the file capability cap_setgid"
if [ -u "$r/usr/bin/newuidmap" ] || [ -u "$r/usr/bin/newgidmap" ]; then
	fail "newuidmap/newgidmap are still setuid"
fi
ok "newuidmap/newgidmap are not setuid"
for f in resolv.conf hosts hostname; do
	[ -e "$r/etc/$f" ] || fail "$r/etc/$f is missing: podsim --rootfs mounts the pod's over it"
done
ok "/etc/resolv.conf, hosts and hostname exist as mount points"
# docs/image.md lists the image's packages with their versions: say when it
# is stale (a note, not a failure: the mirror's point releases change
# versions without any change here).
want=$(dpkg-query --admindir="$r/var/lib/dpkg" -W -f '| ${Package} | ${Version} |\n')
have=$(sed -n '/^<!-- packages:/,/^<!-- \/packages -->/p' "$TOP/docs/image.md" | grep '^| ' || true)
if [ "$want" = "$have" ]; then
	ok "docs/image.md lists the image's $(wc -l <<<"$want") packages with their versions"
else
	echo "note: docs/image.md's package list differs from the image's; regenerate it with the command in its <!-- packages: --> comment:"
	diff <(echo "$have") <(echo "$want") | grep '^[<>]' | head -n 20 || true
fi
