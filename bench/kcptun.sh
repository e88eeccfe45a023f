#!/usr/bin/env bash
# kcptun.sh: one TCP stream of N MiB on loopback through kcptun, then through a Striper MSP tunnel
# (`striper msp listen --forward` / `striper msp connect --forward`), RUNS times each; prints the median rates
# and their ratio (the issue's target: Striper >= 2x kcptun).
#
#   bench/kcptun.sh [--size MIB] [--runs N] [--link SPEC]     defaults: 256 MiB, 3 runs, loopback
#
# --link SPEC runs the same over an emulated WAN link (netlab.sh's SPEC, e.g. delay=25ms,loss=1% for 50 ms RTT and
# 1 % loss each way): each tool's client end and the sender in the lab's client namespace, its server end and the
# sink in the server namespace. Needs root. kcptun then runs in --mode fast3 (one connection, its default), and the
# 16 KiB MTU profile is skipped (a WAN link's 1500 would fragment every datagram).
#
# kcptun: crypt none, nocomp, mode fast, sndwnd/rcvwnd 4096, FEC off (MSP has none either), one connection.
# Striper: Release build published into bench/out, two nodes on 127.0.0.1 with their own identities.
# Two profiles, each tool measured in both in the same run: the default MTU (kcptun 1350, Striper 1400) and a
# 16 KiB MTU (kcptun --mtu 16384; Striper with the loopback settings config.hocon suggests for mdp.mtu).
# Each tool gets one uncounted warm-up transfer. A run counts only if the receiver got every byte. Needs root only to install kcptun when it is missing.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

SIZE_MIB=256
RUNS=3
LINK=
while [ $# -gt 0 ]; do
  case $1 in
    --size) SIZE_MIB=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --link) LINK=$2; shift 2 ;;
    *) die "unknown argument '$1' (use --size MIB, --runs N, --link SPEC)" ;;
  esac
done
[[ $SIZE_MIB =~ ^[0-9]+$ ]] && [ "$SIZE_MIB" -ge 1 ] || die "--size must be a whole number of MiB"
[[ $RUNS =~ ^[0-9]+$ ]] && [ "$RUNS" -ge 1 ] || die "--runs must be a whole number"

if ! command -v kcptun-client >/dev/null || ! command -v kcptun-server >/dev/null; then
  [ "$(id -u)" -eq 0 ] || die "kcptun is missing; as root: apt-get install kcptun"
  log "installing kcptun"
  apt-get install -y -q kcptun >/dev/null || die "apt-get install kcptun failed"
fi
command -v socat >/dev/null || die "socat is missing; run bench/install-deps.sh"

# Where each end runs: on loopback both in this namespace; over a WAN link, the client end in the lab's client
# namespace and the server end in its server namespace, the tunnel's UDP between the lab's two addresses.
CLIENT=()
SERVER=()
CLIENT_ADDR=127.0.0.1
SERVER_ADDR=127.0.0.1
KCP_MODE=(--mode fast)
if [ -n "$LINK" ]; then
  need_root_and_tools iperf3 gcc
  install_cleanup
  "$NETLAB" up none --link "$LINK" >&2
  eval "$("$NETLAB" env)"
  CLIENT=(ip netns exec "$LAB_CLIENT_NS")
  SERVER=(ip netns exec "$LAB_SERVER_NS")
  CLIENT_ADDR=$LAB_CLIENT_ADDR
  SERVER_ADDR=$LAB_SERVER_ADDR
  KCP_MODE=(--mode fast3)
else
  install_local_cleanup striper-kcptun
fi

wait_tcp() {
  local port=$1 pid=$2 logfile=$3
  shift 3
  for _ in $(seq 1 200); do
    if [ -n "$("$@" ss -Hltn "sport = :$port")" ]; then return 0; fi
    alive "$pid" || die "process $pid exited before listening on $port: $(tail -n 5 "$logfile")"
    sleep 0.05
  done
  die "nothing listened on TCP $port after 10 s: $(tail -n 5 "$logfile")"
}

ensure_built
DATA=$WORK_DIR/data
head -c "$((SIZE_MIB << 20))" /dev/urandom >"$DATA"
EXPECTED=$((SIZE_MIB << 20))

# One transfer: a sink on TARGET_PORT counting bytes, a sender into ENTRY_PORT; prints MiB/s or nothing.
transfer() {
  local entry=$1 target=$2 name=$3 run=$4
  local count=$WORK_DIR/$name.$run.count
  "${SERVER[@]}" socat -u "TCP-LISTEN:$target,bind=127.0.0.1,reuseaddr" STDOUT 2>"$WORK_DIR/$name.$run.sink.log" | wc -c >"$count" &
  local sink=$!
  wait_tcp "$target" "$sink" "$WORK_DIR/$name.$run.sink.log" "${SERVER[@]}"
  local t0 t1
  t0=$(date +%s.%N)
  if ! timeout 300 "${CLIENT[@]}" socat -u "OPEN:$DATA" "TCP:127.0.0.1:$entry" 2>"$WORK_DIR/$name.$run.source.log"; then
    log "$name run $run: sender failed: $(tail -n 2 "$WORK_DIR/$name.$run.source.log")"
  fi
  if ! timeout 300 bash -c "while kill -0 $sink 2>/dev/null; do sleep 0.01; done"; then
    kill "$sink" 2>/dev/null || true
  fi
  wait "$sink" 2>/dev/null || true
  t1=$(date +%s.%N)
  local got
  got=$(cat "$count" 2>/dev/null || echo 0)
  if [ "$got" != "$EXPECTED" ]; then
    log "$name run $run: receiver got $got of $EXPECTED bytes; run not counted"
    return 0
  fi
  awk -v b="$EXPECTED" -v a="$t0" -v z="$t1" 'BEGIN { printf "%.2f\n", b / 1048576 / (z - a) }'
}

# One uncounted warm-up transfer, then RUNS counted ones, recorded under NAME. The warm-up matters for Striper: the
# .NET JIT compiles the hot paths (and re-compiles them with profile data) during the first seconds, which would
# otherwise be charged to run 1. kcptun gets the same treatment.
measure() {
  local entry=$1 target=$2 name=$3 run rate
  transfer "$entry" "$target" "$name" warmup >/dev/null
  for run in $(seq 1 "$RUNS"); do
    rate=$(transfer "$entry" "$target" "$name" "$run")
    log "$name run $run: ${rate:-failed} MiB/s"
    record "$name" "$rate"
  done
}

# --- kcptun: one client/server pair per profile ---
run_kcptun() {
  local name=$1
  shift
  local udp entry target client
  udp=$(free_port)
  entry=$(free_port)
  target=$(free_port)
  start_local "$WORK_DIR/$name-server.log" "${SERVER[@]}" kcptun-server -t "127.0.0.1:$target" -l "$SERVER_ADDR:$udp" "${KCP_OPTS[@]}" "$@"
  local server=$STARTED_PID
  start_local "$WORK_DIR/$name-client.log" "${CLIENT[@]}" kcptun-client -l "127.0.0.1:$entry" -r "$SERVER_ADDR:$udp" "${KCP_OPTS[@]}" "$@"
  client=$STARTED_PID
  wait_tcp "$entry" "$client" "$WORK_DIR/$name-client.log" "${CLIENT[@]}"
  measure "$entry" "$target" "$name"
  kill "$client" "$server" 2>/dev/null || true
}

# --- Striper MSP over MDP: `msp listen --forward` and `msp connect --forward`, with a config file ---
run_striper() {
  local name=$1 config=$2
  local entry target listen sid udp
  entry=$(free_port)
  target=$(free_port)
  start_local "$WORK_DIR/$name-listen.log" "${SERVER[@]}" "$STRIPER" msp --identity "$WORK_DIR/a.id" --bind "$SERVER_ADDR:0" listen "--forward=$target" 9 --config "$config"
  listen=$STARTED_PID
  for _ in $(seq 1 200); do
    grep -q "MSP listening" "$WORK_DIR/$name-listen.log" && break
    alive "$listen" || die "striper msp listen exited: $(tail -n 5 "$WORK_DIR/$name-listen.log")"
    sleep 0.05
  done
  sid=$(grep -o 'MDP node [0-9a-f]\{64\}' "$WORK_DIR/$name-listen.log" | awk '{ print $3 }')
  udp=$(grep -o "on ${SERVER_ADDR//./\\.}:[0-9]*" "$WORK_DIR/$name-listen.log" | head -n 1 | cut -d: -f2)
  [ -n "$sid" ] && [ -n "$udp" ] || die "could not read the listener's SID and port: $(tail -n 5 "$WORK_DIR/$name-listen.log")"
  start_local "$WORK_DIR/$name-connect.log" "${CLIENT[@]}" "$STRIPER" msp --identity "$WORK_DIR/b.id" --bind "$CLIENT_ADDR:0" --peer "$SERVER_ADDR:$udp" connect "--forward=$entry" "$sid" 9 --config "$config"
  local connect=$STARTED_PID
  wait_tcp "$entry" "$connect" "$WORK_DIR/$name-connect.log" "${CLIENT[@]}"
  measure "$entry" "$target" "$name"
  kill "$connect" "$listen" 2>/dev/null || true
}

KCP_OPTS=(--crypt none --nocomp "${KCP_MODE[@]}" --sndwnd 4096 --rcvwnd 4096 --datashard 0 --parityshard 0 --quiet)
DEFAULTS=$WORK_DIR/default.conf
: >"$DEFAULTS"
# Loopback carries 64 KiB datagrams; this is the setting config.hocon suggests for such paths. kcptun gets the same
# MTU in the same run, so the second pair of rows compares like with like.
JUMBO=$WORK_DIR/jumbo.conf
cat >"$JUMBO" <<'CONF'
striper.mdp.mtu = 16384
striper.mdp.hop-window = 256
striper.msp.max-message-size = 16000
striper.msp.send-buffer = 512
striper.msp.receive-window = 512
CONF

run_kcptun kcptun
run_striper striper "$DEFAULTS"
if [ -z "$LINK" ]; then
  run_kcptun kcptun-jumbo --mtu 16384
  run_striper striper-jumbo "$JUMBO"
fi

printf '%-34s %s\n' "one stream, $SIZE_MIB MiB, ${LINK:-loopback}" "MiB/s, median of $RUNS (min-max)"
printf '%-34s %s\n' "kcptun (${KCP_MODE[1]}, no FEC, mtu 1350)" "$(cell kcptun 1)"
printf '%-34s %s\n' "striper msp over mdp (mtu 1400)" "$(cell striper 1)"
printf '%-34s %s\n' "ratio striper / kcptun" "$(median_ratio striper kcptun)"
if [ -z "$LINK" ]; then
  printf '%-34s %s\n' "kcptun (same, --mtu 16384)" "$(cell kcptun-jumbo 1)"
  printf '%-34s %s\n' "striper (mdp.mtu 16384)" "$(cell striper-jumbo 1)"
  printf '%-34s %s\n' "ratio striper / kcptun, 16 KiB mtu" "$(median_ratio striper-jumbo kcptun-jumbo)"
  printf '%-34s %s\n' "ratio striper 16 KiB / kcptun 1350" "$(median_ratio striper-jumbo kcptun)"
fi

# For compare.sh (BENCH_RESULTS=1): median rates in MiB/s and the ratios of medians.
result kcptun.kcptun_mibs kcptun
result kcptun.striper_mibs striper
result kcptun.kcptun_jumbo_mibs kcptun-jumbo
result kcptun.striper_jumbo_mibs striper-jumbo
if [ -n "${BENCH_RESULTS:-}" ]; then
  for pair in "ratio striper kcptun" "ratio_jumbo striper-jumbo kcptun-jumbo"; do
    # shellcheck disable=SC2086 # three words on purpose
    set -- $pair
    r=$(median_ratio "$2" "$3")
    [ "$r" = - ] || echo "RESULT kcptun.$1=$r"
  done
fi
