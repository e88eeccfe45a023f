#!/usr/bin/env bash
# throttle.sh: how much of a per-flow throttle Striper gets past, in both directions, in one run.
#
# In a netlab.sh lab whose every TCP flow is capped, it measures with iperf3 (receiver's rate):
#   direct      one flow between the namespaces, no proxy: what a plain connection gets (about one cap)
#   iperf3 -P N N parallel flows between the namespaces: what N flows can get (about N caps)
#   cap sum     the caps of the distinct buckets that Striper's N substreams landed in (read with ss while the
#               transfer runs): the most Striper could get with those substreams. In the heterogeneous lab
#               this is the ideal, since which buckets are slow depends on the ports the kernel chose.
#   Striper     one iperf3 connection through `striper -c` (in the client namespace) and `striper -s` (in the
#               server namespace, forwarding to iperf3 -s there), over N substreams
# and the peak RSS (VmHWM) of each proxy. Each measurement is repeated --runs times, runs interleaved so that
# noise from the rest of the machine spreads over all of them; the table shows median (min-max).
#
# Usage: bench/throttle.sh [--rate 20mbit] [--stripes "8 16"] [--hetero] [--transport msp] [--runs 3] [--time 10] [--quick]
#   --hetero     a quarter of the buckets get RATE/10 (netlab.sh up-hetero)
#   --transport  what Striper's substreams travel on: tcp (default), msp or tcp,msp (the lab caps UDP flows
#                by client port too); the cap sum is read from TCP sockets only, so it is left out for msp
#   --quick      1 run of 5 s
# Needs root. LAB_PREFIX (see netlab.sh) picks the lab's namespaces; BENCH_KEEP=1 keeps the logs.
# STRIPER_MEMORY_LIMIT (config.hocon reads it) sets the proxies' memory-limit; the table says whether every
# peak RSS stayed under it.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RATE=20mbit
STRIPES="8 16"
TRANSPORT=tcp
HETERO=
RUNS=3
TIME=10
IPERF_PORT=5201
# Proxy ports move on for every measurement, so a listener never meets the last one's TIME_WAIT sockets.
NEXT_PORT=7100

usage() { usage_from_header 15 20; }

while [ $# -gt 0 ]; do
  case $1 in
    --rate) RATE=${2:?--rate needs a value}; shift 2 ;;
    --stripes) STRIPES=${2:?--stripes needs a value}; shift 2 ;;
    --hetero) HETERO=1; shift ;;
    --transport) TRANSPORT=${2:?--transport needs a value}; shift 2 ;;
    --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
    --time) TIME=${2:?--time needs a value}; shift 2 ;;
    --quick) RUNS=1; TIME=5; shift ;;
    -h | --help) usage ;;
    *) echo "throttle.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
check_runs_and_time
case $TRANSPORT in tcp | msp | tcp,msp) ;; *) die "--transport must be tcp, msp or tcp,msp" ;; esac
for n in $STRIPES; do check_count --stripes "$n" 256; done

need_root_and_tools iperf3
ensure_built
LIMIT_MIB=$(memory_limit_mib)
install_cleanup

eval "$("$NETLAB" env)"
if [ -n "$HETERO" ]; then
  "$NETLAB" up-hetero "$RATE" >&2
  LAB_DESC="heterogeneous lab: per-flow cap $RATE, RATE/10 for a quarter of the buckets (b%8 in {6,7})"
else
  "$NETLAB" up "$RATE" >&2
  LAB_DESC="uniform lab: per-flow cap $RATE on every bucket"
fi

start_in_ns "$LAB_SERVER_NS" "$WORK_DIR/iperf3-server.log" iperf3 -s -p "$IPERF_PORT"
wait_listening "$LAB_SERVER_NS" "$IPERF_PORT" "$STARTED_PID" "$WORK_DIR/iperf3-server.log"

mbit() { awk -v b="${1:-}" 'BEGIN { if (b == "") print "failed"; else printf "%.1f Mbit/s\n", b / 1e6 }'; }

# Sum of the caps of the distinct buckets among the N busiest substreams in an `ss -tin` snapshot. The
# busiest, because iperf3's control connection is tunnelled too and has N quiet substreams of its own.
cap_sum() {
  local snapshot=$1 n=$2 port bucket cap sum=0 count=0
  local -A seen=()
  [ -s "$snapshot" ] || return 0
  while read -r port; do
    count=$((count + 1))
    bucket=$("$NETLAB" bucket "$port")
    [ -z "${seen[$bucket]:-}" ] || continue
    seen[$bucket]=1
    cap=$("$NETLAB" cap "$port")
    [ "$cap" != none ] || return 0
    sum=$((sum + cap))
  done < <(awk '
      /^[^ \t]/ { port = ""; for (i = 1; i <= NF; i++) if ($i ~ /:[0-9]+$/) { n = split($i, a, ":"); port = a[n]; break } next }
      port != "" { bytes = 0
        for (i = 1; i <= NF; i++) if ($i ~ /^bytes_(acked|received):/) { split($i, a, ":"); bytes += a[2] }
        print port, bytes; port = "" }' "$snapshot" | sort -k2,2nr | head -n "$n" | awk '{ print $1 }')
  if ((count < n)); then
    log "saw only $count substreams, not $n; no cap sum for this run"
    return 0
  fi
  echo "$sum"
}

# One transfer through a fresh pair of proxies; records the rate, the cap sum and both proxies' peak RSS.
measure_striper() {
  local dir=$1 n=$2 run=$3 flag=$4
  local sport=$NEXT_PORT cport=$((NEXT_PORT + 1)) tag="$dir.$n.$run"
  NEXT_PORT=$((NEXT_PORT + 2))
  start_in_ns "$LAB_SERVER_NS" "$WORK_DIR/server.$tag.log" "$STRIPER" -s "$LAB_SERVER_ADDR:$sport" "127.0.0.1:$IPERF_PORT" --insecure --transport "$TRANSPORT"
  local server=$STARTED_PID
  start_in_ns "$LAB_CLIENT_NS" "$WORK_DIR/client.$tag.log" "$STRIPER" -c "127.0.0.1:$cport" "$LAB_SERVER_ADDR" "$sport" --stripes "$n" --transport "$TRANSPORT"
  local client=$STARTED_PID
  wait_listening "$LAB_SERVER_NS" "$sport" "$server" "$WORK_DIR/server.$tag.log"
  wait_listening "$LAB_CLIENT_NS" "$cport" "$client" "$WORK_DIR/client.$tag.log"

  # The substreams' client ports are sampled while the transfer runs; the last snapshot has the most bytes.
  local snapshot=$WORK_DIR/ss.$tag
  (
    while :; do
      if ip netns exec "$LAB_CLIENT_NS" ss -Htin state established "( dport = :$sport )" >"$snapshot.new" 2>/dev/null &&
        [ -s "$snapshot.new" ]; then
        mv "$snapshot.new" "$snapshot"
      fi
      sleep 0.5
    done
  ) &
  local sampler=$!
  BG_PIDS+=("$sampler")

  local bps
  # shellcheck disable=SC2086 # $flag is empty or -R
  bps=$(iperf_bps "$LAB_CLIENT_NS" "$WORK_DIR/striper.$tag.json" -c 127.0.0.1 -p "$cport" -P 1 $flag)
  stop_pid "$sampler"
  # VmHWM is the peak since the process started, so reading it just before stopping gives the run's peak.
  record "rssc.$dir.$n" "$(peak_rss_kib "$client")"
  record "rsss.$dir.$n" "$(peak_rss_kib "$server")"
  record "rssboth.$dir.$n" "$(tail -n 1 "$WORK_DIR/series.rssc.$dir.$n")"
  record "rssboth.$dir.$n" "$(tail -n 1 "$WORK_DIR/series.rsss.$dir.$n")"
  stop_pid "$client"
  stop_pid "$server"

  local caps
  caps=$(cap_sum "$snapshot" "$n")
  record "striper.$dir.$n" "$bps"
  record "capsum.$dir.$n" "$caps"
  record "rcap.$dir.$n" "$(ratio "$bps" "$caps")"
  STRIPER_BPS=$bps
  log "run $run $dir N=$n: Striper $(mbit "$bps"), cap sum of its buckets $(mbit "$caps")"
}

for run in $(seq 1 "$RUNS"); do
  for dir in upload download; do
    flag=
    [ "$dir" = download ] && flag=-R
    # shellcheck disable=SC2086
    direct=$(iperf_bps "$LAB_CLIENT_NS" "$WORK_DIR/direct.$dir.$run.json" -c "$LAB_SERVER_ADDR" -p "$IPERF_PORT" -P 1 $flag)
    log "run $run $dir: direct 1 flow $(mbit "$direct")"
    for n in $STRIPES; do
      record "direct.$dir.$n" "$direct"
      # shellcheck disable=SC2086
      ideal=$(iperf_bps "$LAB_CLIENT_NS" "$WORK_DIR/ideal.$dir.$n.$run.json" -c "$LAB_SERVER_ADDR" -p "$IPERF_PORT" -P "$n" $flag)
      record "ideal.$dir.$n" "$ideal"
      log "run $run $dir N=$n: iperf3 -P $n $(mbit "$ideal")"
      measure_striper "$dir" "$n" "$run" "$flag"
      record "rideal.$dir.$n" "$(ratio "$STRIPER_BPS" "$ideal")"
    done
  done
done

row() {
  local label=$1 kind=$2 dir=$3 n
  printf '  %-38s' "$label"
  for n in $STRIPES; do
    case $kind in
      rate) printf '%-24s' "$(cell "$4.$dir.$n" 1e6)" ;;
      ratio) printf '%-24s' "$(cell "$4.$dir.$n" 1 %.2f)" ;;
      medians) printf '%-24s' "$(median_ratio "$4.$dir.$n" "$5.$dir.$n")" ;;
      rss) printf '%-24s' "$(cell "$4.$dir.$n" 1024)" ;;
      under) printf '%-24s' "$(under_limit "$4.$dir.$n")" ;;
    esac
  done
  echo
}

# Padding the columns leaves trailing blanks; they are trimmed so the table pastes cleanly.
print_table() {
  echo
  echo "Striper per-flow throttle benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "$LAB_DESC; Striper's substreams over $TRANSPORT"
  echo "$RUNS run(s) x $TIME s; each cell: median (min-max) over runs; rates in Mbit/s as iperf3's receiver saw them"
  echo "The proxies' memory-limit (the configured bound on each one's RSS): $LIMIT_MIB MiB"
  for dir in upload download; do
    echo
    if [ "$dir" = upload ]; then title="upload (client -> server)"; else title="download (server -> client, iperf3 -R)"; fi
    printf '%-40s' "$title"
    for n in $STRIPES; do printf '%-24s' "N=$n"; done
    echo
    row "direct, 1 flow" rate "$dir" direct
    row "iperf3 -P N" rate "$dir" ideal
    row "cap sum of Striper's buckets" rate "$dir" capsum
    row "Striper, 1 connection" rate "$dir" striper
    row "Striper / iperf3 -P N, per run" ratio "$dir" rideal
    row "Striper / iperf3 -P N, of medians" medians "$dir" striper ideal
    row "Striper / cap sum, per run" ratio "$dir" rcap
    row "Striper / cap sum, of medians" medians "$dir" striper capsum
    row "client proxy peak RSS, MiB" rss "$dir" rssc
    row "server proxy peak RSS, MiB" rss "$dir" rsss
    row "both peaks under memory-limit" under "$dir" rssboth
  done
}

print_table | sed 's/[[:space:]]*$//'

# For compare.sh (BENCH_RESULTS=1): medians in Mbit/s and ratios, the largest peak RSS in MiB; keys start with
# uniform or hetero (and the transport when it is not tcp).
prefix=$([ -n "$HETERO" ] && echo hetero || echo uniform)
[ "$TRANSPORT" = tcp ] || prefix=$prefix.${TRANSPORT/,/+}
for dir in upload download; do
  for n in $STRIPES; do
    result "$prefix.$dir.N$n.striper_mbit" "striper.$dir.$n" 1e6
    result "$prefix.$dir.N$n.ideal_mbit" "ideal.$dir.$n" 1e6
    result "$prefix.$dir.N$n.capsum_mbit" "capsum.$dir.$n" 1e6
    result "$prefix.$dir.N$n.ratio_capsum" "rcap.$dir.$n"
    result "$prefix.$dir.N$n.ratio_ideal" "rideal.$dir.$n"
    result "$prefix.$dir.N$n.rss_mib" "rssboth.$dir.$n" 1024 max
  done
done
