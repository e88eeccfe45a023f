#!/usr/bin/env bash
# memory.sh: striper.memory-limit at work, against the same proxies with no limit in effect, in the same run.
#
# Many busy tunnelled connections at once (iperf3 -P N: N connections, each striped over --stripes substreams)
# through one proxy pair, on a netlab.sh path that caps every flow. The cap makes every connection fill its
# credit windows, which is what a proxy's memory grows with: without a limit each connection may hold a full
# window (8 MiB by default) each way, so memory grows with the number of busy connections.
# Two configurations, runs interleaved, in each direction:
#   limited     striper.memory-limit = --limit (default 160MiB): the connections share what is left of it after
#               the runtime's 96MiB reserve
#   unlimited   striper.memory-limit = 1024GiB: nothing in effect, as before the limit existed
# For each it prints the rate iperf3's receiver saw and each proxy's peak RSS; then the ratio of the rates and
# whether every limited peak stayed under the limit.
#
# Usage: bench/memory.sh [--connections 16] [--stripes 4|auto] [--rate 20mbit|none] [--link SPEC] [--limit 160MiB]
#                        [--runs 3] [--time 10] [--quick]
#   --connections  up to 2048; above iperf3's 128 streams the connections come from bench/loadgen.py (upload only,
#                  the rate is what its sink received)
#   --link SPEC    join the namespaces by an emulated WAN link (netlab.sh's SPEC, e.g. delay=25ms for 50 ms RTT)
#   --quick        1 run of 5 s
# Needs root. LAB_PREFIX (see netlab.sh) picks the lab's namespaces; BENCH_KEEP=1 keeps the logs.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CONNECTIONS=16
STRIPES=4
RATE=20mbit
LIMIT=160MiB
RUNS=3
TIME=10
IPERF_PORT=5201
NEXT_PORT=7500

usage() { usage_from_header 15 20; }

LINK=()

while [ $# -gt 0 ]; do
  case $1 in
    --connections) CONNECTIONS=${2:?--connections needs a value}; shift 2 ;;
    --stripes) STRIPES=${2:?--stripes needs a value}; shift 2 ;;
    --rate) RATE=${2:?--rate needs a value}; shift 2 ;;
    --limit) LIMIT=${2:?--limit needs a value}; shift 2 ;;
    --link) LINK=(--link "${2:?--link needs a value}"); shift 2 ;;
    --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
    --time) TIME=${2:?--time needs a value}; shift 2 ;;
    --quick) RUNS=1; TIME=5; shift ;;
    -h | --help) usage ;;
    *) echo "memory.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
check_runs_and_time
check_count --connections "$CONNECTIONS" 2048
[ "$STRIPES" = auto ] || check_count --stripes "$STRIPES" 256
# iperf3 runs at most 128 streams; more come from loadgen.py, which only uploads.
LOADGEN=
DIRECTIONS="upload download"
if [ "$CONNECTIONS" -gt 128 ]; then
  LOADGEN="python3 $(dirname "${BASH_SOURCE[0]}")/loadgen.py"
  DIRECTIONS=upload
fi
LIMIT_MIB=$(STRIPER_MEMORY_LIMIT=$LIMIT memory_limit_mib)

need_root_and_tools iperf3 pgrep
ensure_built
install_cleanup

eval "$("$NETLAB" env)"
"$NETLAB" up "$RATE" "${LINK[@]}" >&2
eval "$("$NETLAB" env)"

if [ -n "$LOADGEN" ]; then
  LOAD_NAME="loadgen.py send"
  # shellcheck disable=SC2086 # the command and its script, split on purpose
  start_in_ns "$LAB_SERVER_NS" "$WORK_DIR/sink.log" $LOADGEN sink "$IPERF_PORT"
  wait_listening "$LAB_SERVER_NS" "$IPERF_PORT" "$STARTED_PID" "$WORK_DIR/sink.log"
else
  LOAD_NAME="iperf3 -P"
  start_in_ns "$LAB_SERVER_NS" "$WORK_DIR/iperf3-server.log" iperf3 -s -p "$IPERF_PORT"
  wait_listening "$LAB_SERVER_NS" "$IPERF_PORT" "$STARTED_PID" "$WORK_DIR/iperf3-server.log"
fi

# Bytes the sink has received so far (its last report).
sink_received() { sed -n 's/^received=//p' "$WORK_DIR/sink.log" | tail -n 1; }

# What --connections connections carry through the client proxy on CPORT for TIME seconds, in bit/s.
load_bps() {
  local cport=$1 tag=$2 flag=$3
  if [ -z "$LOADGEN" ]; then
    # shellcheck disable=SC2086 # $flag is empty or -R
    iperf_bps "$LAB_CLIENT_NS" "$WORK_DIR/$tag.json" -c 127.0.0.1 -p "$cport" -P "$CONNECTIONS" $flag
    return
  fi
  local before after start end
  sleep 1.1
  before=$(sink_received)
  start=$(date +%s.%N)
  # shellcheck disable=SC2086 # the command and its script, split on purpose
  ip netns exec "$LAB_CLIENT_NS" $LOADGEN send 127.0.0.1 "$cport" "$CONNECTIONS" "$TIME" >"$WORK_DIR/$tag.load" 2>&1
  end=$(date +%s.%N)
  log "loadgen: $(cat "$WORK_DIR/$tag.load")"
  sleep 1.1
  after=$(sink_received)
  awk -v a="$before" -v b="$after" -v s="$start" -v e="$end" 'BEGIN { if (b > a) printf "%.0f\n", (b - a) * 8 / (e - s) }'
}

mbit() { awk -v b="${1:-}" 'BEGIN { if (b == "") print "failed"; else printf "%.1f Mbit/s\n", b / 1e6 }'; }

# One transfer through a fresh proxy pair whose memory-limit is LIMIT; records the rate and both peaks.
measure() {
  local name=$1 limit=$2 dir=$3 run=$4 flag=$5
  local sport=$NEXT_PORT cport=$((NEXT_PORT + 1)) tag="$name.$dir.$run"
  NEXT_PORT=$((NEXT_PORT + 2))
  # config.hocon reads the limit from this variable.
  STRIPER_MEMORY_LIMIT=$limit start_in_ns "$LAB_SERVER_NS" "$WORK_DIR/server.$tag.log" \
    "$STRIPER" -s "$LAB_SERVER_ADDR:$sport" "127.0.0.1:$IPERF_PORT" --insecure
  local server=$STARTED_PID
  STRIPER_MEMORY_LIMIT=$limit start_in_ns "$LAB_CLIENT_NS" "$WORK_DIR/client.$tag.log" \
    "$STRIPER" -c "127.0.0.1:$cport" "$LAB_SERVER_ADDR" "$sport" --stripes "$STRIPES"
  local client=$STARTED_PID
  wait_listening "$LAB_SERVER_NS" "$sport" "$server" "$WORK_DIR/server.$tag.log"
  wait_listening "$LAB_CLIENT_NS" "$cport" "$client" "$WORK_DIR/client.$tag.log"
  local bps
  bps=$(load_bps "$cport" "$tag" "$flag")
  record "$name.$dir" "$bps"
  record "rssc.$name.$dir" "$(peak_rss_kib "$client")"
  record "rsss.$name.$dir" "$(peak_rss_kib "$server")"
  stop_pid "$client"
  stop_pid "$server"
  MEASURED_BPS=$bps
  log "run $run $dir: $name $(mbit "$bps"), peak RSS client $(($(tail -n 1 "$WORK_DIR/series.rssc.$name.$dir") / 1024)) MiB, server $(($(tail -n 1 "$WORK_DIR/series.rsss.$name.$dir") / 1024)) MiB"
}

for run in $(seq 1 "$RUNS"); do
  for dir in $DIRECTIONS; do
    flag=
    [ "$dir" = download ] && flag=-R
    measure limited "$LIMIT" "$dir" "$run" "$flag"
    limited_bps=$MEASURED_BPS
    measure unlimited 1024GiB "$dir" "$run" "$flag"
    record "ratio.$dir" "$(ratio "$limited_bps" "$MEASURED_BPS")"
  done
done

row() {
  local label=$1 kind=$2 name=$3 dir
  printf '  %-40s' "$label"
  for dir in upload download; do
    case $kind in
      rate) printf '%-24s' "$(cell "$name.$dir" 1e6 %.1f)" ;;
      ratio) printf '%-24s' "$(cell "$name.$dir" 1 %.2f)" ;;
      rss) printf '%-24s' "$(cell "$name.$dir" 1024)" ;;
      under) printf '%-24s' "$(under_limit "$name.$dir")" ;;
    esac
  done
  echo
}

print_table() {
  echo
  echo "Striper memory-limit benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "netlab namespaces, every flow capped at $RATE${LINK[1]:+, WAN link ${LINK[1]}}; $LOAD_NAME $CONNECTIONS (that many tunnelled connections); Striper --stripes $STRIPES"
  echo "$RUNS run(s) x $TIME s; each cell: median (min-max) over runs; rates in Mbit/s as iperf3's receiver saw them"
  echo
  printf '%-42s%-24s%-24s\n' "" "upload" "download (iperf3 -R)"
  row "memory-limit $LIMIT: rate" rate limited
  row "no limit in effect (1024GiB): rate" rate unlimited
  row "limited / unlimited rate, per run" ratio ratio
  row "limited: client proxy peak RSS, MiB" rss rssc.limited
  row "limited: server proxy peak RSS, MiB" rss rsss.limited
  row "unlimited: client proxy peak RSS, MiB" rss rssc.unlimited
  row "unlimited: server proxy peak RSS, MiB" rss rsss.unlimited
  row "client peaks under $LIMIT" under rssc.limited
  row "server peaks under $LIMIT" under rsss.limited
}

print_table | sed 's/[[:space:]]*$//'

# For compare.sh (BENCH_RESULTS=1): median rates in Mbit/s, the largest peak RSS in MiB, and the limit.
if [ -n "${BENCH_RESULTS:-}" ]; then echo "RESULT memory.limit_mib=$LIMIT_MIB"; fi
for dir in upload download; do
  result "memory.$dir.limited_mbit" "limited.$dir" 1e6
  result "memory.$dir.unlimited_mbit" "unlimited.$dir" 1e6
  result "memory.$dir.limited_client_rss_mib" "rssc.limited.$dir" 1024 max
  result "memory.$dir.limited_server_rss_mib" "rsss.limited.$dir" 1024 max
  result "memory.$dir.unlimited_client_rss_mib" "rssc.unlimited.$dir" 1024 max
  result "memory.$dir.unlimited_server_rss_mib" "rsss.unlimited.$dir" 1024 max
done
