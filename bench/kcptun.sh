#!/usr/bin/env bash
# kcptun.sh: one TCP stream of N MiB on loopback through kcptun, then through a Striper MSP tunnel
# (`striper msp listen --forward` / `striper msp connect --forward`), RUNS times each; prints the median rates
# and their ratio (the issue's target: Striper >= 2x kcptun).
#
#   bench/kcptun.sh [--size MIB] [--runs N]     defaults: 256 MiB, 3 runs
#
# kcptun: crypt none, nocomp, mode fast, sndwnd/rcvwnd 4096, FEC off (MSP has none either), one connection.
# Striper: Release build published into bench/out, two nodes on 127.0.0.1 with their own identities.
# Each tool gets one uncounted warm-up transfer. A run counts only if the receiver got every byte. Needs root only to install kcptun when it is missing.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

SIZE_MIB=256
RUNS=3
while [ $# -gt 0 ]; do
  case $1 in
    --size) SIZE_MIB=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    *) die "unknown argument '$1' (use --size MIB, --runs N)" ;;
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

# Our own cleanup (not lib.sh's: this benchmark makes no lab, and must not take down someone else's).
WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/striper-kcptun.XXXXXX")
finish() {
  local status=$? pid
  trap - EXIT INT TERM
  for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${BG_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -z "${BENCH_KEEP:-}" ]; then rm -rf "$WORK_DIR"; else log "kept $WORK_DIR"; fi
  exit "$status"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start() {
  local logfile=$1
  shift
  "$@" >"$logfile" 2>&1 &
  STARTED_PID=$!
  BG_PIDS+=("$STARTED_PID")
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_tcp() {
  local port=$1 pid=$2 logfile=$3
  for _ in $(seq 1 200); do
    if [ -n "$(ss -Hltn "sport = :$port")" ]; then return 0; fi
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
  socat -u "TCP-LISTEN:$target,bind=127.0.0.1,reuseaddr" STDOUT 2>"$WORK_DIR/$name.$run.sink.log" | wc -c >"$count" &
  local sink=$!
  wait_tcp "$target" "$sink" "$WORK_DIR/$name.$run.sink.log"
  local t0 t1
  t0=$(date +%s.%N)
  if ! timeout 300 socat -u "OPEN:$DATA" "TCP:127.0.0.1:$entry" 2>"$WORK_DIR/$name.$run.source.log"; then
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

# --- kcptun ---
KCP_UDP=$(free_port)
KCP_ENTRY=$(free_port)
KCP_TARGET=$(free_port)
KCP_OPTS=(--crypt none --nocomp --mode fast --sndwnd 4096 --rcvwnd 4096 --datashard 0 --parityshard 0 --quiet)
start "$WORK_DIR/kcptun-server.log" kcptun-server -t "127.0.0.1:$KCP_TARGET" -l "127.0.0.1:$KCP_UDP" "${KCP_OPTS[@]}"
start "$WORK_DIR/kcptun-client.log" kcptun-client -l "127.0.0.1:$KCP_ENTRY" -r "127.0.0.1:$KCP_UDP" "${KCP_OPTS[@]}"
KCP_CLIENT=$STARTED_PID
wait_tcp "$KCP_ENTRY" "$KCP_CLIENT" "$WORK_DIR/kcptun-client.log"
transfer "$KCP_ENTRY" "$KCP_TARGET" kcptun warmup >/dev/null
for run in $(seq 1 "$RUNS"); do
  rate=$(transfer "$KCP_ENTRY" "$KCP_TARGET" kcptun "$run")
  log "kcptun run $run: ${rate:-failed} MiB/s"
  record kcptun "$rate"
done

# --- Striper MSP over MDP ---
ST_ENTRY=$(free_port)
ST_TARGET=$(free_port)
start "$WORK_DIR/listen.log" "$STRIPER" msp --identity "$WORK_DIR/a.id" --bind 127.0.0.1:0 listen "--forward=$ST_TARGET" 9
LISTEN=$STARTED_PID
for _ in $(seq 1 200); do
  grep -q "MSP listening" "$WORK_DIR/listen.log" && break
  alive "$LISTEN" || die "striper msp listen exited: $(tail -n 5 "$WORK_DIR/listen.log")"
  sleep 0.05
done
SID=$(grep -o 'MDP node [0-9a-f]\{64\}' "$WORK_DIR/listen.log" | awk '{ print $3 }')
UDP=$(grep -o 'on 127\.0\.0\.1:[0-9]*' "$WORK_DIR/listen.log" | head -n 1 | cut -d: -f2)
[ -n "$SID" ] && [ -n "$UDP" ] || die "could not read the listener's SID and port: $(tail -n 5 "$WORK_DIR/listen.log")"
start "$WORK_DIR/connect.log" "$STRIPER" msp --identity "$WORK_DIR/b.id" --bind 127.0.0.1:0 --peer "127.0.0.1:$UDP" connect "--forward=$ST_ENTRY" "$SID" 9
wait_tcp "$ST_ENTRY" "$STARTED_PID" "$WORK_DIR/connect.log"
# One uncounted transfer first, as for kcptun: the .NET JIT compiles the hot paths (and re-compiles them with
# profile data) during the first seconds, which would otherwise be charged to run 1.
transfer "$ST_ENTRY" "$ST_TARGET" striper warmup >/dev/null
for run in $(seq 1 "$RUNS"); do
  rate=$(transfer "$ST_ENTRY" "$ST_TARGET" striper "$run")
  log "striper run $run: ${rate:-failed} MiB/s"
  record striper "$rate"
done

printf '%-28s %s\n' "one stream, $SIZE_MIB MiB, loopback" "MiB/s, median of $RUNS (min-max)"
printf '%-28s %s\n' "kcptun (fast, no FEC)" "$(cell kcptun 1)"
printf '%-28s %s\n' "striper msp over mdp" "$(cell striper 1)"
printf '%-28s %s\n' "ratio striper / kcptun" "$(median_ratio striper kcptun)"
