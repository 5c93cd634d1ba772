# shellcheck shell=sh
# testcontainers-node (test/node) through the gateway.
# shellcheck source=prelude.sh
. ./prelude.sh
export TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=localhost HOME=/tmp
node --test node/gateway.test.mjs 2>&1
echo "MARK containers-left: $(docker ps -aq | wc -l)"
