#!/usr/bin/env bash
# netlab.sh: a two-host lab on one machine with a per-flow throttle, for measuring Striper.
#
#   netlab.sh up [RATE|none] [--link SPEC]...
#                              two namespaces on a veth pair; every TCP/UDP flow capped at RATE (default 20mbit)
#                              in each direction, or not shaped at all with `none`. With --link, the hosts are joined
#                              by emulated WAN links instead of the veth, one per --link (see WAN links below)
#   netlab.sh up-hetero RATE [--link SPEC]...
#                              the same, but a quarter of the flows (by bucket, below) get RATE/10
#   netlab.sh down             remove the namespaces, the WAN emulator and the state files
#   netlab.sh link down|up     take the client's end of the link down (every packet between the hosts is lost,
#                              as when Wi-Fi changes or a link flaps) or bring it back; the caps stay as they were.
#                              With WAN links: every link's client device
#   netlab.sh readdress ADDR   give the client a new address in place of its old one (a laptop on another network,
#                              a NAT with a new mapping): connections from the old address are dead for good
#   netlab.sh bucket PORT      the bucket (0..255) a flow whose client port is PORT falls into
#   netlab.sh cap PORT         that bucket's cap in bit/s in the lab that is up ("none" if unshaped)
#   netlab.sh env              the lab's names and addresses as NAME=value lines (for `eval`)
#   netlab.sh wan LINK|all SPEC  change WAN links while they run, e.g. `wan 0 delay=40ms`, `wan all blackhole=on`
#   netlab.sh wan-stats        the WAN emulator's counters, one line per link and direction, as key=value
#   netlab.sh wan-show         the WAN links' settings, one line per link and direction, as key=value
#
# Environment (so a test can run its own lab beside a benchmark without a clash):
#   LAB_PREFIX       namespace names are ${LAB_PREFIX}c (client) and ${LAB_PREFIX}s (server); default st
#   LAB_CLIENT_ADDR  default 10.77.0.1      LAB_SERVER_ADDR  default 10.77.0.2
#   LAB_QUEUE_MS     how much each flow's queue may hold, in milliseconds at its cap; default 100
#   LAB_PATH_RATE    all flows together get at most this (a path's capacity behind the per-flow throttle), in
#                    each direction, e.g. 200mbit; default none (only the per-flow caps and the machine limit)
#   LAB_STATE_DIR    where the lab's mode and rate are recorded for `cap`; default /run/striper-netlab
#   LAB_TCP_BUFFERS  WAN labs only: the most bytes a TCP socket buffer may grow to in both namespaces (tcp_rmem and
#                    tcp_wmem maximum); default: the kernel's own
#
# RATE is a number with a unit: bit, kbit, mbit, gbit (powers of ten), kibit, mibit, gibit (powers of two),
# or bps, kbps, mbps, gbps (bytes per second, as in tc). A bare number is refused, because tc would read it
# as bytes per second while most people mean bits.
#
# How the per-flow cap works. A throttle that caps each TCP connection is what Striper exists to beat, so the
# lab must cap flows, not hosts. HTB on each veth end has 256 leaf classes; a u32 hash filter sends each packet
# to the class picked by the low byte of the client's ephemeral port: the source port on the client's egress,
# the destination port on the server's egress, so both directions of a flow share one bucket number. Two flows
# whose client ports share a low byte share a bucket (and its cap), as they would behind a hashing throttle.
# Listening ports (the server side) are never hashed, so a server's port does not decide the bucket.
#
# WAN links. This kernel has no netem, so delay, loss and a bottleneck come from wan/wanemu.c (beside this script,
# built with gcc into LAB_STATE_DIR the first time and whenever it changes): link i is a TUN device in each
# namespace (vc/vs for link 0, vcI/vsI for link I) with the emulator relaying between them. Link 0 carries
# LAB_CLIENT_ADDR/LAB_SERVER_ADDR; link I > 0 the same addresses with I added to the third byte (10.77.I.1 and
# 10.77.I.2 by default), each its own /24, so two links are two paths. The per-flow caps go on every link's
# devices as on the veth. SPEC is key=value items separated by commas, for both directions or, prefixed with
# up. (client to server) or down., for one: delay=25ms jitter=1ms loss=1% ge=p%/r%/lossgood%/lossbad% (Gilbert-
# Elliott) rate=100mbit queue=100ms|N(packets) blackhole=on|off seed=N mtu=N (both directions only); `none` for a
# plain link. The namespaces' TCP buffers keep the kernel's defaults (a 4 MiB send buffer caps one flow near
# 4 MiB per RTT, as on most users' hosts) unless LAB_TCP_BUFFERS=BYTES lets them grow that far (67108864: a host
# tuned for long fat networks).
set -euo pipefail
set -euo pipefail

PREFIX=${LAB_PREFIX:-st}
CLIENT_NS=${PREFIX}c
SERVER_NS=${PREFIX}s
CLIENT_ADDR=${LAB_CLIENT_ADDR:-10.77.0.1}
SERVER_ADDR=${LAB_SERVER_ADDR:-10.77.0.2}
QUEUE_MS=${LAB_QUEUE_MS:-100}
PATH_RATE=${LAB_PATH_RATE:-}
TCP_BUFFERS=${LAB_TCP_BUFFERS:-}
[[ -z $TCP_BUFFERS || $TCP_BUFFERS =~ ^[1-9][0-9]*$ ]] || { echo "netlab: LAB_TCP_BUFFERS must be a number of bytes, got '$TCP_BUFFERS'" >&2; exit 2; }
STATE_DIR=${LAB_STATE_DIR:-/run/striper-netlab}
STATE_FILE=$STATE_DIR/$PREFIX.state
# Device names live inside the namespaces only, so two labs never collide on them.
CLIENT_DEV=vc
SERVER_DEV=vs
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WAN_SOURCE=$SCRIPT_DIR/wan/wanemu.c
WAN_PID_FILE=$STATE_DIR/$PREFIX.wan.pid
WAN_SOCKET=$STATE_DIR/$PREFIX.wan.sock
WAN_LOG=$STATE_DIR/$PREFIX.wan.log
# --link SPECs of the lab being brought up, and the MTU each asked for (empty: the device's default).
LINK_SPECS=()
LINK_MTUS=()
# Leaf class ids start at 0x10 so that 1:1 (the default class) can never be a bucket.
CLASS_BASE=16

usage() {
  sed -n '3,21p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

die() {
  echo "netlab: $*" >&2
  exit 1
}

# Converts RATE to bits per second (an integer), so tc and `cap` agree exactly on the figure.
to_bps() {
  local rate=${1,,} number unit
  [[ $rate =~ ^([0-9]+(\.[0-9]+)?)([a-z]+)$ ]] ||
    die "rate '$1' needs a unit, e.g. 20mbit (tc reads a bare number as bytes per second)"
  number=${BASH_REMATCH[1]}
  unit=${BASH_REMATCH[3]}
  local factor
  case $unit in
    bit) factor=1 ;;
    kbit) factor=1000 ;;
    mbit) factor=1000000 ;;
    gbit) factor=1000000000 ;;
    kibit) factor=1024 ;;
    mibit) factor=1048576 ;;
    gibit) factor=1073741824 ;;
    bps) factor=8 ;;
    kbps) factor=8000 ;;
    mbps) factor=8000000 ;;
    gbps) factor=8000000000 ;;
    *) die "unknown rate unit '$unit' in '$1'" ;;
  esac
  awk -v n="$number" -v f="$factor" 'BEGIN { printf "%.0f\n", n * f }'
}

port_bucket() {
  local port=$1
  if ! [[ $port =~ ^[0-9]+$ ]] || ((port > 65535)); then die "'$port' is not a port number"; fi
  echo $((port & 0xff))
}

# The heterogeneous lab slows a quarter of the buckets: those with b % 8 equal to 6 or 7. Not simply
# b % 4 == 3: Linux gives connect() even ephemeral ports (odd ones are kept for bind()), so a rule that
# picks only odd buckets would never slow a real connection. Taking an even and an odd residue of 8 makes a
# quarter of the even buckets slow, and a quarter of the odd ones.
is_slow_bucket() {
  local b=$(($1 % 8))
  ((b == 6 || b == 7))
}

# Prints the tc batch that shapes one veth end: HTB, 256 buckets with their rates, and the u32 hash.
# One `tc -batch` instead of ~800 tc processes takes setup from seconds to a fraction of one.
shape_batch() {
  local dev=$1 mode=$2 bps=$3 key=$4 mask b class rate limit
  # The 32-bit word at offset 20 is the TCP/UDP header's source port << 16 | destination port (offset 20
  # because the lab's packets carry no IP options); the mask keeps the low byte of one of the two ports.
  if [ "$key" = src ]; then mask=0x00ff0000; else mask=0x000000ff; fi
  echo "qdisc add dev $dev root handle 1: htb default 1"
  # Unclassified traffic (ARP, ICMP) goes to 1:1, unshaped.
  echo "class add dev $dev parent 1: classid 1:1 htb rate 10gbit quantum 1514"
  # With a path rate the buckets hang under one class holding it. Each bucket is then assured only a 256th of
  # it and may borrow up to its cap: HTB lets a class send at its assured rate whatever its parent has left, so
  # buckets assured their whole cap would together exceed the path.
  local parent=1: path_bps=
  if [ -n "$PATH_RATE" ]; then
    path_bps=$(to_bps "$PATH_RATE")
    parent=1:2
    echo "class add dev $dev parent 1: classid 1:2 htb rate ${path_bps}bit ceil ${path_bps}bit quantum 1514"
  fi
  for b in $(seq 0 255); do
    class=$(printf %x $((b + CLASS_BASE)))
    rate=$bps
    if [ "$mode" = hetero ] && is_slow_bucket "$b"; then rate=$((bps / 10)); fi
    local assured=$rate
    if [ -n "$path_bps" ]; then assured=$((path_bps / 256 < rate ? path_bps / 256 : rate)); fi
    echo "class add dev $dev parent $parent classid 1:$class htb rate ${assured}bit ceil ${rate}bit quantum 1514"
    # A bounded queue per flow: the default (the device's 1000 packets, each possibly a 64 KiB GSO packet)
    # would add seconds of delay no real throttle has, and would hide how a proxy copes with a slow flow.
    # The floor keeps room for two full-size GSO packets, which a byte fifo would otherwise drop forever.
    limit=$((rate * QUEUE_MS / 8000))
    ((limit >= 131072)) || limit=131072
    echo "qdisc add dev $dev parent 1:$class bfifo limit $limit"
  done
  echo "filter add dev $dev parent 1: prio 1 handle 2: protocol ip u32 divisor 256"
  for proto in 6 17; do
    echo "filter add dev $dev parent 1: prio 1 protocol ip u32 ht 800:: match ip protocol $proto 0xff hashkey mask $mask at 20 link 2:"
  done
  for b in $(seq 0 255); do
    echo "filter add dev $dev parent 1: prio 1 protocol ip u32 ht 2:$(printf %x "$b"): match u32 0 0 flowid 1:$(printf %x $((b + CLASS_BASE)))"
  done
}

write_state() {
  mkdir -p "$STATE_DIR"
  cat >"$STATE_FILE" <<EOF
LAB_MODE=$1
LAB_RATE_BPS=$2
LAB_CLIENT_NS=$CLIENT_NS
LAB_SERVER_NS=$SERVER_NS
LAB_CLIENT_ADDR=$CLIENT_ADDR
LAB_SERVER_ADDR=$SERVER_ADDR
EOF
  if [ ${#LINK_SPECS[@]} -gt 0 ]; then
    cat >>"$STATE_FILE" <<EOF
LAB_LINKS=${#LINK_SPECS[@]}
LAB_WAN_BIN=$WAN_BIN
EOF
  fi
}

# Reads one key of the state file without sourcing it (it is only data).
state() {
  [ -f "$STATE_FILE" ] || die "no lab is up for LAB_PREFIX=$PREFIX (no $STATE_FILE)"
  sed -n "s/^$1=//p" "$STATE_FILE"
}

# The number of WAN links of the lab that is up (0 for the veth lab, or when no lab is up).
wan_links() {
  local n=
  [ ! -f "$STATE_FILE" ] || n=$(sed -n 's/^LAB_LINKS=//p' "$STATE_FILE")
  echo "${n:-0}"
}

link_dev() {
  local side=$1 i=$2
  if ((i == 0)); then echo "v$side"; else echo "v$side$i"; fi
}

# Link I's address: ADDR with I added to its third byte, so every link is a /24 of its own.
link_addr() {
  local addr=$1 i=$2 a b c d
  IFS=. read -r a b c d <<<"$addr"
  echo "$a.$b.$((c + i)).$d"
}

# Builds the emulator when its source has changed, into a file named after the source's hash: the copy of this
# script next to the tests and the one in bench/ then share a binary when they carry the same source and never
# run each other's when they do not. Sets WAN_BIN.
wan_build() {
  [ -f "$WAN_SOURCE" ] || die "WAN links need $WAN_SOURCE, which is missing"
  command -v gcc >/dev/null || die "WAN links need gcc to build $WAN_SOURCE (bench/install-deps.sh installs it)"
  local hash
  hash=$(sha256sum "$WAN_SOURCE" | cut -c1-16)
  WAN_BIN=$STATE_DIR/wanemu-$hash
  [ -x "$WAN_BIN" ] && return 0
  mkdir -p "$STATE_DIR"
  local log=$STATE_DIR/wanemu-$hash.$$.log
  if ! gcc -std=c11 -O2 -pthread -Wall -o "$WAN_BIN.$$" "$WAN_SOURCE" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log" "$WAN_BIN.$$"
    die "gcc could not build $WAN_SOURCE"
  fi
  rm -f "$log"
  # Renamed into place in one step, so a lab starting at the same moment never runs a half-written binary.
  mv -f "$WAN_BIN.$$" "$WAN_BIN"
  # Builds of sources long gone (nothing refers to them after a day; a running emulator keeps its own copy).
  find "$STATE_DIR" -maxdepth 1 -name 'wanemu-*' ! -name "wanemu-$hash" -mmin +1440 -delete 2>/dev/null || true
}

# Splits one SPEC into what the emulator takes (printed, commas between items) and the MTU, which netlab sets on
# the devices (in SPEC_MTU, empty if none). Exits 2 on an MTU it cannot set. Call it without $(...), which would
# lose SPEC_MTU: the result is in SPEC_REST too.
split_mtu() {
  local spec=$1 item rest=()
  SPEC_MTU=
  for item in ${spec//,/ }; do
    case $item in
      mtu=*)
        SPEC_MTU=${item#mtu=}
        if ! [[ $SPEC_MTU =~ ^[0-9]+$ ]] || ((SPEC_MTU < 576 || SPEC_MTU > 65535)); then
          echo "netlab: mtu '$SPEC_MTU' must be a whole number of bytes from 576 to 65535" >&2
          exit 2
        fi
        ;;
      up.mtu=* | down.mtu=*)
        echo "netlab: '$item': the MTU is the same both ways, so it takes no direction" >&2
        exit 2
        ;;
      *) rest+=("$item") ;;
    esac
  done
  local IFS=,
  SPEC_REST=${rest[*]}
}

# Checks every --link SPEC with the emulator's own parser before anything is torn down, so a typo costs one
# sentence and exit status 2, not the lab that was up.
wan_check_specs() {
  local i why
  wan_build
  for i in "${!LINK_SPECS[@]}"; do
    split_mtu "${LINK_SPECS[i]}"
    LINK_MTUS[i]=$SPEC_MTU
    LINK_SPECS[i]=$SPEC_REST
    if ! why=$("$WAN_BIN" check "$SPEC_REST" 2>&1); then
      echo "netlab: --link $i: ${why#wanemu: }" >&2
      exit 2
    fi
  done
  local last
  last=$(link_addr "$CLIENT_ADDR" $((${#LINK_SPECS[@]} - 1)))
  if ! [[ $last =~ ^[0-9]+\.[0-9]+\.([0-9]+)\.[0-9]+$ ]] || ((BASH_REMATCH[1] > 255)); then
    die "${#LINK_SPECS[@]} links from $CLIENT_ADDR would need the address $last"
  fi
}

# True if PID is an emulator started for this lab: its command line names this lab's control socket.
is_our_emulator() {
  [ -r "/proc/$1/cmdline" ] && tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | grep -qxF -- "$WAN_SOCKET"
}

# Stops this lab's emulator: the one in the pid file, and any other whose command line names this lab's socket
# (one whose pid file was never written, say, because netlab.sh was killed while starting it).
wan_stop() {
  local pids=() pid
  [ ! -f "$WAN_PID_FILE" ] || pids+=("$(cat "$WAN_PID_FILE")")
  for pid in /proc/[0-9]*; do
    pid=${pid#/proc/}
    if grep -qaF -- "$WAN_SOCKET" "/proc/$pid/cmdline" 2>/dev/null; then pids+=("$pid"); fi
  done
  for pid in "${pids[@]}"; do
    if ! [[ $pid =~ ^[0-9]+$ ]] || ! is_our_emulator "$pid"; then continue; fi
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do
      is_our_emulator "$pid" || break
      sleep 0.05
    done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -f "$WAN_PID_FILE" "$WAN_SOCKET" "$WAN_LOG"
}

# The TUN devices of every link, their addresses, and the emulator relaying between them.
wan_up() {
  local i n=${#LINK_SPECS[@]} cdev sdev args=()
  for ((i = 0; i < n; i++)); do
    cdev=$(link_dev c "$i")
    sdev=$(link_dev s "$i")
    # Persistent devices made by ip, so they and their addresses and qdiscs exist whether or not the emulator is
    # attached (while it is not, they have no carrier and drop what is sent).
    ip -n "$CLIENT_NS" tuntap add dev "$cdev" mode tun
    ip -n "$SERVER_NS" tuntap add dev "$sdev" mode tun
    # No IPv6 link-local address, so no router solicitations or MLD reports: the emulator's counters then count
    # only what the lab's programs send.
    ip -n "$CLIENT_NS" link set "$cdev" addrgenmode none
    ip -n "$SERVER_NS" link set "$sdev" addrgenmode none
    ip -n "$CLIENT_NS" addr add "$(link_addr "$CLIENT_ADDR" "$i")/24" dev "$cdev"
    ip -n "$SERVER_NS" addr add "$(link_addr "$SERVER_ADDR" "$i")/24" dev "$sdev"
    if [ -n "${LINK_MTUS[i]}" ]; then
      ip -n "$CLIENT_NS" link set "$cdev" mtu "${LINK_MTUS[i]}"
      ip -n "$SERVER_NS" link set "$sdev" mtu "${LINK_MTUS[i]}"
    fi
    args+=(--link "$CLIENT_NS/$cdev" "$SERVER_NS/$sdev" "${LINK_SPECS[i]}")
  done
  local ns
  for ns in "$CLIENT_NS" "$SERVER_NS"; do
    ip -n "$ns" link set lo up
    # A flow at 1 Gbit/s over 50 ms has 6 MB in flight; the default 4 MiB send buffer caps it near 500 Mbit/s. Users'
    # hosts mostly keep that default, so the lab does too unless LAB_TCP_BUFFERS asks for a host tuned for long paths.
    if [ -n "$TCP_BUFFERS" ]; then
      ip netns exec "$ns" sysctl -qw net.ipv4.tcp_rmem="4096 131072 $TCP_BUFFERS" net.ipv4.tcp_wmem="4096 16384 $TCP_BUFFERS"
    fi
  done
  for ((i = 0; i < n; i++)); do
    # TUN drops what does not fit its queue (it never holds the sender back), so it gets room for the bursts a
    # sender makes in slow start while the emulator is busy elsewhere.
    ip -n "$CLIENT_NS" link set "$(link_dev c "$i")" txqueuelen 5000 up
    ip -n "$SERVER_NS" link set "$(link_dev s "$i")" txqueuelen 5000 up
  done
  rm -f "$WAN_PID_FILE"
  # Its own session, its output in a file: it outlives this script, and holds neither its terminal nor the pipes
  # of whoever ran it (a test reading this script's output to the end would otherwise wait for the emulator).
  setsid "$WAN_BIN" run --socket "$WAN_SOCKET" --pidfile "$WAN_PID_FILE" "${args[@]}" </dev/null >"$WAN_LOG" 2>&1 &
  local started=$!
  for _ in $(seq 1 100); do
    if [ -f "$WAN_PID_FILE" ] && "$WAN_BIN" ctl "$WAN_SOCKET" ping >/dev/null 2>&1; then return 0; fi
    kill -0 "$started" 2>/dev/null || die "the WAN emulator stopped while starting: $(tail -n 3 "$WAN_LOG")"
    sleep 0.05
  done
  die "the WAN emulator did not answer on $WAN_SOCKET within 5 s: $(tail -n 3 "$WAN_LOG")"
}

lab_down() {
  wan_stop
  ip netns del "$CLIENT_NS" 2>/dev/null || true
  ip netns del "$SERVER_NS" 2>/dev/null || true
  rm -f "$STATE_FILE"
}

lab_up() {
  local mode=$1 bps=$2
  [ ${#LINK_SPECS[@]} -eq 0 ] || wan_check_specs
  lab_down
  ip netns add "$CLIENT_NS"
  ip netns add "$SERVER_NS"
  local ns links=1 i
  if [ ${#LINK_SPECS[@]} -eq 0 ]; then
    # Both ends are created straight inside their namespaces, never in the host's, so nothing outside the
    # lab is touched and two labs can be set up at once.
    ip link add name "$CLIENT_DEV" netns "$CLIENT_NS" type veth peer name "$SERVER_DEV" netns "$SERVER_NS"
    ip -n "$CLIENT_NS" addr add "$CLIENT_ADDR/24" dev "$CLIENT_DEV"
    ip -n "$SERVER_NS" addr add "$SERVER_ADDR/24" dev "$SERVER_DEV"
    for ns in "$CLIENT_NS" "$SERVER_NS"; do ip -n "$ns" link set lo up; done
    ip -n "$CLIENT_NS" link set "$CLIENT_DEV" up
    ip -n "$SERVER_NS" link set "$SERVER_DEV" up
  else
    wan_up
    links=${#LINK_SPECS[@]}
  fi
  if [ "$mode" != none ]; then
    for ((i = 0; i < links; i++)); do
      shape_batch "$(link_dev c "$i")" "$mode" "$bps" src | ip netns exec "$CLIENT_NS" tc -batch -
      shape_batch "$(link_dev s "$i")" "$mode" "$bps" dst | ip netns exec "$SERVER_NS" tc -batch -
    done
  fi
  write_state "$mode" "$bps"
  [ -z "$PATH_RATE" ] || [ "$mode" = none ] || echo "lab: all flows together capped at $(to_bps "$PATH_RATE") bit/s each way"
  case $mode in
    none) echo "lab up: $CLIENT_NS=$CLIENT_ADDR $SERVER_NS=$SERVER_ADDR, no cap" ;;
    uniform) echo "lab up: $CLIENT_NS=$CLIENT_ADDR $SERVER_NS=$SERVER_ADDR, per-flow cap $bps bit/s" ;;
    hetero) echo "lab up: $CLIENT_NS=$CLIENT_ADDR $SERVER_NS=$SERVER_ADDR, per-flow cap $bps bit/s, $((bps / 10)) bit/s for buckets b%8 in {6,7}" ;;
  esac
  for i in "${!LINK_SPECS[@]}"; do
    echo "link $i: $CLIENT_NS $(link_dev c "$i") $(link_addr "$CLIENT_ADDR" "$i") <-> $SERVER_NS $(link_dev s "$i") $(link_addr "$SERVER_ADDR" "$i"), ${LINK_SPECS[i]:-no impairment}${LINK_MTUS[i]:+, mtu ${LINK_MTUS[i]}}"
  done
}

# Takes `[RATE] [--link SPEC]...`: sets RATE_ARGS (the other arguments) and LINK_SPECS.
parse_up_args() {
  RATE_ARGS=()
  while [ $# -gt 0 ]; do
    case $1 in
      --link)
        [ $# -ge 2 ] || usage
        LINK_SPECS+=("$2")
        shift 2
        ;;
      --link=*)
        LINK_SPECS+=("${1#--link=}")
        shift
        ;;
      -*) usage ;;
      *)
        RATE_ARGS+=("$1")
        shift
        ;;
    esac
  done
}

# Runs a control command on the emulator of the lab that is up.
wan_ctl() {
  (($(wan_links) > 0)) || die "the lab for LAB_PREFIX=$PREFIX has no WAN links (bring it up with --link SPEC)"
  "$(state LAB_WAN_BIN)" ctl "$WAN_SOCKET" "$@"
}

[ $# -ge 1 ] || usage
case $1 in
  up)
    shift
    parse_up_args "$@"
    [ ${#RATE_ARGS[@]} -le 1 ] || usage
    rate=${RATE_ARGS[0]:-20mbit}
    if [ "$rate" = none ]; then lab_up none 0; else lab_up uniform "$(to_bps "$rate")"; fi
    ;;
  up-hetero)
    shift
    parse_up_args "$@"
    [ ${#RATE_ARGS[@]} -eq 1 ] || usage
    lab_up hetero "$(to_bps "${RATE_ARGS[0]}")"
    ;;
  down)
    lab_down
    ;;
  link)
    if [ $# -ne 2 ] || [[ $2 != up && $2 != down ]]; then usage; fi
    links=$(wan_links)
    if ((links == 0)); then
      ip -n "$CLIENT_NS" link set "$CLIENT_DEV" "$2"
    else
      # As with the veth, the client's devices go down: every packet between the hosts is lost (what the
      # emulator holds for the client is dropped when it gets there). `wan all blackhole=on` is the silent kind.
      for ((i = 0; i < links; i++)); do ip -n "$CLIENT_NS" link set "$(link_dev c "$i")" "$2"; done
    fi
    ;;
  readdress)
    [ $# -eq 2 ] || usage
    old=$(state LAB_CLIENT_ADDR)
    ip -n "$CLIENT_NS" addr del "$old/24" dev "$CLIENT_DEV"
    ip -n "$CLIENT_NS" addr add "$2/24" dev "$CLIENT_DEV"
    sed -i "s/^LAB_CLIENT_ADDR=.*/LAB_CLIENT_ADDR=$2/" "$STATE_FILE"
    ;;
  bucket)
    [ $# -eq 2 ] || usage
    port_bucket "$2"
    ;;
  cap)
    [ $# -eq 2 ] || usage
    b=$(port_bucket "$2")
    mode=$(state LAB_MODE)
    bps=$(state LAB_RATE_BPS)
    case $mode in
      none) echo none ;;
      uniform) echo "$bps" ;;
      hetero) if is_slow_bucket "$b"; then echo $((bps / 10)); else echo "$bps"; fi ;;
      *) die "state file $STATE_FILE names an unknown mode '$mode'" ;;
    esac
    ;;
  env)
    echo "LAB_CLIENT_NS=$CLIENT_NS"
    echo "LAB_SERVER_NS=$SERVER_NS"
    echo "LAB_CLIENT_ADDR=$CLIENT_ADDR"
    echo "LAB_SERVER_ADDR=$SERVER_ADDR"
    links=$(wan_links)
    if ((links > 0)); then
      echo "LAB_LINKS=$links"
      for ((i = 1; i < links; i++)); do
        echo "LAB_LINK${i}_CLIENT_ADDR=$(link_addr "$CLIENT_ADDR" "$i")"
        echo "LAB_LINK${i}_SERVER_ADDR=$(link_addr "$SERVER_ADDR" "$i")"
      done
    fi
    ;;
  wan)
    [ $# -ge 3 ] || usage
    link=$2
    shift 2
    links=$(wan_links)
    split_mtu "$*"
    # The emulator checks the rest (and the link's number) before any MTU changes, so a bad command changes nothing.
    wan_ctl link "$link" "${SPEC_REST:-none}" >/dev/null
    if [ -n "$SPEC_MTU" ]; then
      if [ "$link" = all ]; then targets=$(seq 0 $((links - 1))); else targets=$link; fi
      for i in $targets; do
        ip -n "$CLIENT_NS" link set "$(link_dev c "$i")" mtu "$SPEC_MTU"
        ip -n "$SERVER_NS" link set "$(link_dev s "$i")" mtu "$SPEC_MTU"
      done
    fi
    ;;
  wan-stats)
    [ $# -eq 1 ] || usage
    wan_ctl stats
    ;;
  wan-show)
    [ $# -eq 1 ] || usage
    wan_ctl show
    ;;
  *)
    usage
    ;;
esac
