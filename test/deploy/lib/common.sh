# shellcheck shell=bash
# Shared by the deploy tests and test/deploy/render-job-pod.  Sourced, not run.
#
# Exit codes of the tests: 0 pass, 1 fail, 77 skip (with the reason printed).
# Tools: .tools/bin/helm and .tools/bin/kubectl (scripts/install-k8s-tools), or
# HELM=/path KUBECTL=/path from the environment.

# shellcheck disable=SC2034 # used by the scripts that source this file
DEPLOY_TEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_ROOT=$(cd "$DEPLOY_TEST_DIR/../.." && pwd)
CHART="$REPO_ROOT/deploy/helm/podsock"
# shellcheck disable=SC2034
RUNNER_POD_FIXTURE="$DEPLOY_TEST_DIR/fixtures/gitlab-runner-job-pod.yaml"
# shellcheck disable=SC2034
VALIDATE="$DEPLOY_TEST_DIR/lib/k8s-validate.mjs"
HELM=${HELM:-$REPO_ROOT/.tools/bin/helm}
KUBECTL=${KUBECTL:-$REPO_ROOT/.tools/bin/kubectl}
PYTHON=${PYTHON:-python3}
# shellcheck disable=SC2034
MODES=(standard userns openshift)
# The release every test renders: name and namespace as in deploy/k8s.
RELEASE=podsock
NAMESPACE=gitlab-runner

# skip, ok, not_ok, check, finish: the shell tests' one library.
# shellcheck source=../../common/lib.sh
PODSOCK_NO_WORKDIR=1 . "$DEPLOY_TEST_DIR/../common/lib.sh"

say() { echo "[$_test_name] $*"; }
die() { # a broken test set-up, not a failed check
	echo "[$_test_name] ERROR: $*" >&2
	exit 1
}

need_k8s_tools() {
	[ -x "$HELM" ] || skip "helm not found at $HELM; run scripts/install-k8s-tools (or set HELM=)"
	[ -x "$KUBECTL" ] || skip "kubectl not found at $KUBECTL; run scripts/install-k8s-tools (or set KUBECTL=)"
}
need_python() {
	command -v "$PYTHON" >/dev/null 2>&1 || skip "python3 not found (needed for tomllib)"
	"$PYTHON" -c 'import tomllib' 2>/dev/null || skip "$PYTHON has no tomllib (needs Python 3.11+)"
}
need_validator() {
	command -v node >/dev/null 2>&1 || skip "node not found (needed for the schema validator)"
	[ -d "$DEPLOY_TEST_DIR/node/node_modules/kubernetes-models" ] ||
		skip "schema validator not installed in test/deploy/node; run scripts/install-k8s-tools"
}

# A scratch directory removed at exit.
scratch() {
	SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/podsock-deploy-test.XXXXXX")
	trap 'rm -rf "$SCRATCH"' EXIT
}

# helm_template ARGS...: the chart rendered as release $RELEASE in $NAMESPACE.
helm_template() {
	"$HELM" template "$RELEASE" "$CHART" --namespace "$NAMESPACE" "$@"
}

# runner_toml OUT ARGS...: config.template.toml of the standalone manager.
runner_toml() {
	local out=$1
	shift
	helm_template --show-only templates/runner-configmap.yaml "$@" >"$out.cm.yaml" || return 1
	"$KUBECTL" patch --local -f "$out.cm.yaml" --type merge -p '{}' \
		-o jsonpath='{.data.config\.template\.toml}' >"$out" || return 1
	rm -f "$out.cm.yaml"
}
