#!/usr/bin/env bash
# distance.sh: one connection through Striper on long, lossy paths, against parallel TCP in the same lab.
#
# For every cell of RTT x loss (each way) x cap, a WAN lab (netlab.sh up ... --link) and, for each congestion
# control in CCS (the peers' iperf3 -C, and Striper's substreams through striper.tcp.congestion-control):
#   single    one TCP flow straight between the namespaces
#   P=N       iperf3 -P N for every N in COUNTS; the best of them is the reference: what the path carries
#   striper   one iperf3 connection through a fresh proxy pair with default settings (--stripes auto), with the
#             count auto ended on, both proxies' peak RSS, and the CPU the proxies and the emulator used
# Caps: "none" (only delay, loss and the machine), "capped" (every flow at 20 Mbit/s, all of them together at
# 200 Mbit/s, as behind a per-flow throttle on a 200 Mbit/s uplink).
# The table: medians of --runs runs, striper / best -P N and striper / single, cpu: the proxies' and the
# emulator's CPU time over the run's wall time, in cores, and busy: the whole machine's share of non-idle time
# during the Striper run (1.00 = every core busy: a CPU-bound cell, where the path is not the limit).
#
# Usage: bench/distance.sh [--rtt "20 50 150"] [--loss "0 0.1 1"] [--cap "none capped"] [--cc "bbr cubic"]
#                          [--counts "4 16 32"] [--runs 3] [--time 15] [--quick]
#   --quick      1 run of 10 s
# Needs root. BENCH_KEEP=1 keeps the logs and iperf3 JSON.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RTTS="20 50 150"
LOSSES="0 0.1 1"
CAPS="none capped"
CCS="bbr cubic"
COUNTS="4 16 32"
RUNS=3
TIME=15
FLOW_CAP=20mbit
PATH_CAP=200mbit
IPERF_PORT=5201
NEXT_PORT=7400

usage() { usage_from_header 17 19; }

while [ $# -gt 0 ]; do
  case $1 in
    --rtt) RTTS=${2:?--rtt needs a value}; shift 2 ;;
    --loss) LOSSES=${2:?--loss needs a value}; shift 2 ;;
    --cap) CAPS=${2:?--cap needs a value}; shift 2 ;;
    --cc) CCS=${2:?--cc needs a value}; shift 2 ;;
    --counts) COUNTS=${2:?--counts needs a value}; shift 2 ;;
    --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
    --time) TIME=${2:?--time needs a value}; shift 2 ;;
    --quick) RUNS=1; TIME=10; shift ;;
    -h | --help) usage ;;
    *) echo "distance.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
check_runs_and_time
for n in $COUNTS; do check_count --counts "$n" 128; done
for rtt in $RTTS; do [[ $rtt =~ ^[0-9]+$ ]] || die "--rtt takes whole milliseconds, got '$rtt'"; done
for loss in $LOSSES; do [[ $loss =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--loss takes percentages, got '$loss'"; done
for cap in $CAPS; do case $cap in none | capped) ;; *) die "--cap takes none and capped, got '$cap'" ;; esac; done
for cc in $CCS; do
  grep -qw "$cc" /proc/sys/net/ipv4/tcp_available_congestion_control 2>/dev/null ||
    modprobe "tcp_$cc" 2>/dev/null || die "the kernel has no '$cc' congestion control"
done

need_root_and_tools iperf3 gcc
ensure_built
install_cleanup

# Non-idle and total jiffies of all cores so far (/proc/stat's first line).
machine_jiffies() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t; exit }' /proc/stat; }

mbit() { awk -v b="${1:-}" 'BEGIN { if (b == "") print "failed"; else printf "%.1f\n", b / 1e6 }'; }
TICKS=$(getconf CLK_TCK)

lab_up() {
  local rtt=$1 loss=$2 cap=$3 spec
  # Half the RTT each way; the loss each way.
  spec="delay=$(awk -v r="$rtt" 'BEGIN { printf "%g", r / 2 }')ms,loss=$loss%"
  if [ "$cap" = capped ]; then
    LAB_PATH_RATE=$PATH_CAP "$NETLAB" up "$FLOW_CAP" --link "$spec" >&2
  else
    "$NETLAB" up none --link "$spec" >&2
  fi
  eval "$("$NETLAB" env)"
  EMULATOR_PID=$(pgrep -f "wanemu" | head -n 1 || true)
}

# One iperf3 test straight between the namespaces with P flows.
direct() {
  local tag=$1 cc=$2 flows=$3 bps
  bps=$(iperf_bps "$LAB_CLIENT_NS" "$WORK_DIR/iperf.$tag.json" -c "$LAB_SERVER_ADDR" -p "$IPERF_PORT" -C "$cc" -P "$flows")
  echo "$bps"
}

# One connection through a fresh proxy pair with default settings; records rate, count, RSS and CPU.
through_striper() {
  local cell=$1 cc=$2 run=$3
  local sport=$NEXT_PORT cport=$((NEXT_PORT + 1)) tag="$cell.$cc.striper.$run"
  NEXT_PORT=$((NEXT_PORT + 2))
  export STRIPER_TCP_CONGESTION_CONTROL=$cc
  start_in_ns "$LAB_SERVER_NS" "$WORK_DIR/server.$tag.log" "$STRIPER" -s "$LAB_SERVER_ADDR:$sport" "127.0.0.1:$IPERF_PORT" --insecure --control off
  local server=$STARTED_PID
  start_in_ns "$LAB_CLIENT_NS" "$WORK_DIR/client.$tag.log" "$STRIPER" -c "127.0.0.1:$cport" "$LAB_SERVER_ADDR" "$sport" --control off
  local client=$STARTED_PID
  unset STRIPER_TCP_CONGESTION_CONTROL
  wait_listening "$LAB_SERVER_NS" "$sport" "$server" "$WORK_DIR/server.$tag.log"
  wait_listening "$LAB_CLIENT_NS" "$cport" "$client" "$WORK_DIR/client.$tag.log"
  local before_c before_s before_e start end bps
  before_c=$(cpu_ticks "$client")
  before_s=$(cpu_ticks "$server")
  before_e=$(cpu_ticks "${EMULATOR_PID:-0}")
  local busy_before busy_after
  busy_before=$(machine_jiffies)
  start=$(date +%s.%N)
  bps=$(iperf_bps "$LAB_CLIENT_NS" "$WORK_DIR/iperf.$tag.json" -c 127.0.0.1 -p "$cport" -P 1)
  end=$(date +%s.%N)
  busy_after=$(machine_jiffies)
  # shellcheck disable=SC2086 # two numbers each, split on purpose
  record "busy.$cell.$cc" "$(echo $busy_before $busy_after | awk '{ if ($4 > $2) printf "%.2f\n", ($3 - $1) / ($4 - $2) }')"
  local cpu
  cpu=$(awk -v c=$(($(cpu_ticks "$client") - before_c)) -v s=$(($(cpu_ticks "$server") - before_s)) \
    -v e=$(($(cpu_ticks "${EMULATOR_PID:-0}") - before_e)) -v t="$TICKS" -v a="$start" -v b="$end" \
    'BEGIN { printf "%.2f\n", (c + s + e) / t / (b - a) }')
  record "rss.$cell.$cc.client" "$(peak_rss_kib "$client")"
  record "rss.$cell.$cc.server" "$(peak_rss_kib "$server")"
  stop_pid "$client"
  stop_pid "$server"
  record "rate.$cell.$cc.striper" "$bps"
  record "cpu.$cell.$cc" "$cpu"
  local chosen
  chosen=$(sed -n 's/.*; now \([0-9]*\) substreams.*/\1/p' "$WORK_DIR/client.$tag.log" | tail -n 1)
  record "chosen.$cell.$cc" "${chosen:-4}"
  log "$cell $cc run $run striper: $(mbit "$bps") Mbit/s, ended on ${chosen:-4} substreams, $cpu cores busy"
}

CELLS=()
for rtt in $RTTS; do
  for loss in $LOSSES; do
    for cap in $CAPS; do
      cell="rtt$rtt.loss$loss.$cap"
      CELLS+=("$cell")
      lab_up "$rtt" "$loss" "$cap"
      start_in_ns "$LAB_SERVER_NS" "$WORK_DIR/iperf3-server.$cell.log" iperf3 -s -p "$IPERF_PORT"
      iperf_server=$STARTED_PID
      wait_listening "$LAB_SERVER_NS" "$IPERF_PORT" "$iperf_server" "$WORK_DIR/iperf3-server.$cell.log"
      for run in $(seq 1 "$RUNS"); do
        for cc in $CCS; do
          bps=$(direct "$cell.$cc.single.$run" "$cc" 1)
          record "rate.$cell.$cc.single" "$bps"
          log "$cell $cc run $run single flow: $(mbit "$bps") Mbit/s"
          for n in $COUNTS; do
            bps=$(direct "$cell.$cc.P$n.$run" "$cc" "$n")
            record "rate.$cell.$cc.P$n" "$bps"
            log "$cell $cc run $run -P $n: $(mbit "$bps") Mbit/s"
          done
          through_striper "$cell" "$cc" "$run"
        done
      done
      stop_pid "$iperf_server"
      "$NETLAB" down >&2
    done
  done
done

# The best median of the -P N series of a cell.
best_parallel() {
  local key=$1 n m best=0
  for n in $COUNTS; do
    m=$(series_median "rate.$key.P$n")
    [ -n "$m" ] || continue
    best=$(awk -v a="$m" -v b="$best" 'BEGIN { print (a > b) ? a : b }')
  done
  echo "$best"
}

print_table() {
  echo
  echo "One connection over distance, $(date -u '+%Y-%m-%d %H:%M UTC'); $RUNS run(s) x $TIME s per figure, medians in Mbit/s"
  echo "capped: every flow at $FLOW_CAP, all together at $PATH_CAP; loss is each way; cpu: cores busy in the proxies and the emulator"
  printf '\n%-26s %-6s %8s' "cell" "cc" "single"
  for n in $COUNTS; do printf ' %8s' "P=$n"; done
  printf ' %8s %8s %9s %6s %13s %5s %5s\n' "striper" "/best P" "/single" "count" "RSS c/s MiB" "cpu" "busy"
  local cell cc key best striper single
  for cell in "${CELLS[@]}"; do
    for cc in $CCS; do
      key="$cell.$cc"
      printf '%-26s %-6s %8s' "$cell" "$cc" "$(cell "rate.$key.single" 1e6 %.0f | cut -d' ' -f1)"
      for n in $COUNTS; do printf ' %8s' "$(cell "rate.$key.P$n" 1e6 %.0f | cut -d' ' -f1)"; done
      best=$(best_parallel "$key")
      striper=$(series_median "rate.$key.striper")
      single=$(series_median "rate.$key.single")
      printf ' %8s %8s %9s %6s %13s %5s %5s\n' \
        "$(cell "rate.$key.striper" 1e6 %.0f | cut -d' ' -f1)" \
        "$(awk -v a="${striper:-0}" -v b="$best" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "-" }')" \
        "$(awk -v a="${striper:-0}" -v b="${single:-0}" 'BEGIN { if (a > 0 && b > 0) printf "%.1f", a / b; else print "-" }')" \
        "$(cell "chosen.$key" 1 %.0f | cut -d' ' -f1)" \
        "$(awk -v c="$(series_max "rss.$key.client")" -v s="$(series_max "rss.$key.server")" 'BEGIN { printf "%.0f/%.0f", c / 1024, s / 1024 }')" \
        "$(series_median "cpu.$key")" "$(series_median "busy.$key")"
    done
  done
  echo
  echo "peak RSS limit (striper.memory-limit): $(memory_limit_mib) MiB"
}

print_table | sed 's/[[:space:]]*$//'

for cell in "${CELLS[@]}"; do
  for cc in $CCS; do
    result "$cell.$cc.striper_mbit" "rate.$cell.$cc.striper" 1e6
    result "$cell.$cc.single_mbit" "rate.$cell.$cc.single" 1e6
  done
done
