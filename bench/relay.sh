#!/usr/bin/env bash
# relay.sh: what Striper costs on a path with no throttle, against a plain relay, in the same run.
#
# One iperf3 connection (-P 1), in each direction, measured three ways, runs interleaved:
#   direct   iperf3 between the namespaces, no proxy: the path itself
#   socat    through a socat relay pair: socat in the client namespace (127.0.0.1) forwards to socat in the
#            server namespace, which forwards to iperf3 -s there; the classic two-hop TCP relay
#   Striper  through striper -c / striper -s placed the same way, with --stripes substreams (default 4)
# plus the ratio Striper/socat and each proxy's peak RSS. With no cap, every hop is CPU-bound on this machine,
# so this measures per-byte cost, not striping.
#
# Why the netlab namespaces (netlab.sh up none) and not plain loopback: the proxies then sit where they would
# in use, on two hosts joined by a 1500-byte-MTU link, and the middle hop crosses a real interface with the
# per-packet costs that brings (loopback's 64 KiB MTU would flatter both relays). The veth itself is not the
# bottleneck: a direct iperf3 over it measured about 15 Gbit/s here, several times what either relay reaches.
#
# Each freshly started pair first carries an uncounted transfer of --warmup seconds (0: none), the same for socat
# and Striper: a proxy runs for days, and the .NET JIT compiling the hot paths (then again with profile data) in its
# first seconds is a start-up cost, not a per-byte one. kcptun.sh does the same.
#
# socat gets a 128 KiB buffer (-b): with its default 8 KiB it measured about 4x slower here, and the baseline
# should be a well-configured relay, not a strawman. --socat-buffer 8192 shows the default.
#
# Usage: bench/relay.sh [--stripes 4] [--runs 3] [--time 10] [--socat-buffer 131072] [--warmup 3] [--quick]
#   --quick   1 run of 5 s
# Needs root. LAB_PREFIX (see netlab.sh) picks the lab's namespaces; BENCH_KEEP=1 keeps the logs.
# STRIPER_MEMORY_LIMIT (config.hocon reads it) sets the proxies' memory-limit; the table says whether every
# peak RSS stayed under it.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STRIPES=4
RUNS=3
TIME=10
SOCAT_BUFFER=131072
WARMUP=3
IPERF_PORT=5201
NEXT_PORT=7300

usage() { usage_from_header 24 25; }

while [ $# -gt 0 ]; do
  case $1 in
    --stripes) STRIPES=${2:?--stripes needs a value}; shift 2 ;;
    --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
    --time) TIME=${2:?--time needs a value}; shift 2 ;;
    --socat-buffer) SOCAT_BUFFER=${2:?--socat-buffer needs a value}; shift 2 ;;
    --warmup) WARMUP=${2:?--warmup needs a value}; shift 2 ;;
    --quick) RUNS=1; TIME=5; shift ;;
    -h | --help) usage ;;
    *) echo "relay.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
check_runs_and_time
check_count --stripes "$STRIPES" 256
[[ $SOCAT_BUFFER =~ ^[1-9][0-9]*$ ]] || die "--socat-buffer takes a size in bytes"
[[ $WARMUP =~ ^[0-9]+$ ]] || die "--warmup takes a whole number of seconds"

need_root_and_tools iperf3 socat pgrep
ensure_built
LIMIT_MIB=$(memory_limit_mib)
install_cleanup

eval "$("$NETLAB" env)"
"$NETLAB" up none >&2

start_in_ns "$LAB_SERVER_NS" "$WORK_DIR/iperf3-server.log" iperf3 -s -p "$IPERF_PORT"
wait_listening "$LAB_SERVER_NS" "$IPERF_PORT" "$STARTED_PID" "$WORK_DIR/iperf3-server.log"

gbit() { awk -v b="${1:-}" 'BEGIN { if (b == "") print "failed"; else printf "%.2f Gbit/s\n", b / 1e9 }'; }

# Runs one transfer through a relay pair already listening on CPORT; records its rate and both sides'
# peak RSS. The RSS is sampled during the run, because socat's forked child that carried the data has
# exited by the end; for Striper the sample and the final VmHWM agree.
measure_pair() {
  local name=$1 dir=$2 run=$3 flag=$4 client=$5 server=$6 cport=$7
  local tag="$name.$dir.$run"
  start_rss_sampler "$client" "$WORK_DIR/rss.client.$tag"
  local client_sampler=$STARTED_PID
  start_rss_sampler "$server" "$WORK_DIR/rss.server.$tag"
  local server_sampler=$STARTED_PID
  local bps cpu_before cpu_after
  if [ "$WARMUP" -gt 0 ]; then
    # shellcheck disable=SC2086 # $flag is empty or -R
    IPERF_TIME=$WARMUP iperf_bps "$LAB_CLIENT_NS" "$WORK_DIR/$tag.warmup.json" -c 127.0.0.1 -p "$cport" -P 1 $flag >/dev/null
  fi
  cpu_before=$(($(cpu_ticks "$client") + $(cpu_ticks "$server")))
  # shellcheck disable=SC2086 # $flag is empty or -R
  bps=$(iperf_bps "$LAB_CLIENT_NS" "$WORK_DIR/$tag.json" -c 127.0.0.1 -p "$cport" -P 1 $flag)
  # socat serves each connection in a forked child: give it a moment to exit and be reaped into the parent's count.
  sleep 1
  cpu_after=$(($(cpu_ticks "$client") + $(cpu_ticks "$server")))
  local final_client final_server
  final_client=$(peak_rss_kib "$client")
  final_server=$(peak_rss_kib "$server")
  stop_pid "$client_sampler"
  stop_pid "$server_sampler"
  stop_pid "$client"
  stop_pid "$server"
  record "$name.$dir" "$bps"
  # CPU seconds both relays spent per GiB carried: unlike the rate, it hardly moves when other work shares the cores.
  record "cpu.$name.$dir" "$(awk -v t=$((cpu_after - cpu_before)) -v hz="$(getconf CLK_TCK)" -v b="$(iperf_bytes "$WORK_DIR/$tag.json")" \
    'BEGIN { if (b > 0) printf "%.3f", t / hz / (b / 1073741824) }')"
  record "rssc.$name.$dir" "$(printf '%s\n' "$final_client" "$(cat "$WORK_DIR/rss.client.$tag")" | sort -n | tail -n 1)"
  record "rsss.$name.$dir" "$(printf '%s\n' "$final_server" "$(cat "$WORK_DIR/rss.server.$tag")" | sort -n | tail -n 1)"
  MEASURED_BPS=$bps
  log "run $run $dir: $name $(gbit "$bps")"
}

start_pair() {
  local name=$1 sport=$2 cport=$3 tag=$4
  if [ "$name" = socat ]; then
    # fork: iperf3 opens a control connection besides its data connection.
    start_in_ns "$LAB_SERVER_NS" "$WORK_DIR/server.$tag.log" socat -b "$SOCAT_BUFFER" \
      "TCP-LISTEN:$sport,bind=$LAB_SERVER_ADDR,reuseaddr,fork" "TCP:127.0.0.1:$IPERF_PORT"
    PAIR_SERVER=$STARTED_PID
    start_in_ns "$LAB_CLIENT_NS" "$WORK_DIR/client.$tag.log" socat -b "$SOCAT_BUFFER" \
      "TCP-LISTEN:$cport,bind=127.0.0.1,reuseaddr,fork" "TCP:$LAB_SERVER_ADDR:$sport"
    PAIR_CLIENT=$STARTED_PID
  else
    start_in_ns "$LAB_SERVER_NS" "$WORK_DIR/server.$tag.log" "$STRIPER" -s "$LAB_SERVER_ADDR:$sport" "127.0.0.1:$IPERF_PORT" --insecure
    PAIR_SERVER=$STARTED_PID
    start_in_ns "$LAB_CLIENT_NS" "$WORK_DIR/client.$tag.log" "$STRIPER" -c "127.0.0.1:$cport" "$LAB_SERVER_ADDR" "$sport" --stripes "$STRIPES"
    PAIR_CLIENT=$STARTED_PID
  fi
  wait_listening "$LAB_SERVER_NS" "$sport" "$PAIR_SERVER" "$WORK_DIR/server.$tag.log"
  wait_listening "$LAB_CLIENT_NS" "$cport" "$PAIR_CLIENT" "$WORK_DIR/client.$tag.log"
}

for run in $(seq 1 "$RUNS"); do
  for dir in upload download; do
    flag=
    [ "$dir" = download ] && flag=-R
    # shellcheck disable=SC2086
    direct=$(iperf_bps "$LAB_CLIENT_NS" "$WORK_DIR/direct.$dir.$run.json" -c "$LAB_SERVER_ADDR" -p "$IPERF_PORT" -P 1 $flag)
    record "direct.$dir" "$direct"
    log "run $run $dir: direct $(gbit "$direct")"
    for name in socat striper; do
      # Fresh ports for every pair, so no listener meets the previous pair's TIME_WAIT sockets.
      sport=$NEXT_PORT
      cport=$((NEXT_PORT + 1))
      NEXT_PORT=$((NEXT_PORT + 2))
      start_pair "$name" "$sport" "$cport" "$name.$dir.$run"
      measure_pair "$name" "$dir" "$run" "$flag" "$PAIR_CLIENT" "$PAIR_SERVER" "$cport"
      if [ "$name" = socat ]; then socat_bps=$MEASURED_BPS; fi
    done
    record "ratio.$dir" "$(ratio "$MEASURED_BPS" "$socat_bps")"
    record "cpuratio.$dir" "$(ratio "$(tail -n 1 "$WORK_DIR/series.cpu.striper.$dir" 2>/dev/null)" "$(tail -n 1 "$WORK_DIR/series.cpu.socat.$dir" 2>/dev/null)")"
  done
done

row() {
  local label=$1 kind=$2 name=$3 dir
  printf '  %-38s' "$label"
  for dir in upload download; do
    case $kind in
      rate) printf '%-24s' "$(cell "$name.$dir" 1e9 %.2f)" ;;
      ratio) printf '%-24s' "$(cell "$name.$dir" 1 %.2f)" ;;
      medians) printf '%-24s' "$(median_ratio "striper.$dir" "socat.$dir")" ;;
      rss) printf '%-24s' "$(cell "$name.$dir" 1024)" ;;
      cpu) printf '%-24s' "$(cell "$name.$dir" 1 %.2f)" ;;
      under) printf '%-24s' "$(under_limit "$name.$dir")" ;;
    esac
  done
  echo
}

# Padding the columns leaves trailing blanks; they are trimmed so the table pastes cleanly.
print_table() {
  echo
  echo "Striper relay benchmark (no throttle), $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "netlab namespaces on a veth pair, no cap; one iperf3 connection; socat -b $SOCAT_BUFFER; Striper --stripes $STRIPES"
  echo "$RUNS run(s) x $TIME s, each after a $WARMUP s uncounted warm-up; each cell: median (min-max) over runs; rates in Gbit/s as iperf3's receiver saw them"
  echo "Striper's memory-limit (the configured bound on each proxy's RSS): $LIMIT_MIB MiB"
  echo
  printf '%-40s%-24s%-24s\n' "" "upload" "download (iperf3 -R)"
  row "direct, no proxy" rate direct
  row "socat relay pair" rate socat
  row "Striper, $STRIPES substreams" rate striper
  row "Striper / socat, per run" ratio ratio
  row "Striper / socat, of medians" medians -
  row "socat pair CPU-s per GiB" cpu cpu.socat
  row "Striper pair CPU-s per GiB" cpu cpu.striper
  row "Striper / socat CPU per byte, per run" cpu cpuratio
  row "socat client side peak RSS, MiB" rss rssc.socat
  row "socat server side peak RSS, MiB" rss rsss.socat
  row "Striper client proxy peak RSS, MiB" rss rssc.striper
  row "Striper server proxy peak RSS, MiB" rss rsss.striper
  row "Striper peaks under its memory-limit" under rssc.striper
  row "  (server proxy)" under rsss.striper
}

print_table | sed 's/[[:space:]]*$//'

# For compare.sh (BENCH_RESULTS=1): medians in Gbit/s, CPU-s per GiB, ratios; the largest peak RSS in MiB.
for dir in upload download; do
  result "relay.$dir.socat_gbit" "socat.$dir" 1e9
  result "relay.$dir.striper_gbit" "striper.$dir" 1e9
  result "relay.$dir.ratio" "ratio.$dir"
  result "relay.$dir.striper_cpu_per_gib" "cpu.striper.$dir"
  result "relay.$dir.socat_cpu_per_gib" "cpu.socat.$dir"
  result "relay.$dir.cpu_ratio" "cpuratio.$dir"
  result "relay.$dir.client_rss_mib" "rssc.striper.$dir" 1024 max
  result "relay.$dir.server_rss_mib" "rsss.striper.$dir" 1024 max
done
