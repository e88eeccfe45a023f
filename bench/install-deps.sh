#!/usr/bin/env bash
# install-deps.sh: installs from Debian what the benchmarks and the tests use, and only what is missing.
# CI runs it before the tests (a fresh machine has none of these), so it must be quiet, idempotent and never
# fail the build for a tool: a lab test whose tool is missing skips and names the tool.
# Not root: prints what is missing and exits 0 without installing anything.
set -euo pipefail

# command -> Debian package that provides it
declare -A PACKAGE_OF=(
  [iperf3]=iperf3
  [socat]=socat
  [ip]=iproute2
  [tc]=iproute2
  [ss]=iproute2
  [pgrep]=procps
  [jq]=jq
  [sha256sum]=coreutils
  [curl]=curl
  # The control endpoint's tests: the dashboard in a real browser, /metrics through Prometheus' own parser.
  [chromium]=chromium
  # The resume test types into a real ssh session across an outage.
  [sshd]=openssh-server
  [ssh]=openssh-client
  [ssh-keygen]=openssh-client
  # The lab's WAN emulator (bench/wan/wanemu.c) is built on first use; its checks measure the round trip with ping.
  [gcc]=gcc
  [ping]=iputils-ping
)

# Python modules the tests import (through Debian's /usr/bin/python3) -> Debian package
declare -A MODULE_PACKAGE_OF=(
  [prometheus_client]=python3-prometheus-client
)

# Root's tools live in sbin, which a non-root PATH may leave out.
PATH=$PATH:/usr/sbin:/sbin
missing=()
for tool in "${!PACKAGE_OF[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${PACKAGE_OF[$tool]}")
done
for module in "${!MODULE_PACKAGE_OF[@]}"; do
  /usr/bin/python3 -c "import $module" >/dev/null 2>&1 || missing+=("${MODULE_PACKAGE_OF[$module]}")
done
[ ${#missing[@]} -gt 0 ] || exit 0
mapfile -t packages < <(printf '%s\n' "${missing[@]}" | sort -u)

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing ${packages[*]}; as root: apt-get install ${packages[*]}" >&2
  exit 0
fi

echo "install-deps: installing ${packages[*]}" >&2
log=$(mktemp "${TMPDIR:-/tmp}/install-deps.XXXXXX")
# iperf3's package asks whether to start a daemon; noninteractive keeps its default (no).
export DEBIAN_FRONTEND=noninteractive
# Packages with a daemon (openssh-server) must not start one on this machine: the tests start their own, in a
# lab namespace. policy-rc.d answering 101 is Debian's way of saying "start no service"; ours is removed after.
policy=/usr/sbin/policy-rc.d
made_policy=
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
fi
# A stale or empty package list is the usual reason an install fails on a fresh machine, so refresh first.
if apt-get update -qq >"$log" 2>&1 &&
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >>"$log" 2>&1; then
  rm -f "$log"
  [ -z "$made_policy" ] || rm -f "$policy"
else
  [ -z "$made_policy" ] || rm -f "$policy"
  echo "install-deps: apt-get failed (log: $log); the lab tests will skip, the benchmarks will not run" >&2
fi
exit 0
