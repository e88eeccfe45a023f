#!/usr/bin/env bash
# netlab.sh: a two-host lab on one machine with a per-flow throttle, for measuring Striper.
#
#   netlab.sh up [RATE|none]   two namespaces on a veth pair; every TCP/UDP flow capped at RATE
#                              (default 20mbit) in each direction, or not shaped at all with `none`
#   netlab.sh up-hetero RATE   the same, but a quarter of the flows (by bucket, below) get RATE/10
#   netlab.sh down             remove the namespaces and the state file
#   netlab.sh link down|up     take the client's end of the link down (every packet between the hosts is lost,
#                              as when Wi-Fi changes or a link flaps) or bring it back; the caps stay as they were
#   netlab.sh readdress ADDR   give the client a new address in place of its old one (a laptop on another network,
#                              a NAT with a new mapping): connections from the old address are dead for good
#   netlab.sh bucket PORT      the bucket (0..255) a flow whose client port is PORT falls into
#   netlab.sh cap PORT         that bucket's cap in bit/s in the lab that is up ("none" if unshaped)
#   netlab.sh env              the lab's names and addresses as NAME=value lines (for `eval`)
#
# Environment (so a test can run its own lab beside a benchmark without a clash):
#   LAB_PREFIX       namespace names are ${LAB_PREFIX}c (client) and ${LAB_PREFIX}s (server); default st
#   LAB_CLIENT_ADDR  default 10.77.0.1      LAB_SERVER_ADDR  default 10.77.0.2
#   LAB_QUEUE_MS     how much each flow's queue may hold, in milliseconds at its cap; default 100
#   LAB_PATH_RATE    all flows together get at most this (a path's capacity behind the per-flow throttle), in
#                    each direction, e.g. 200mbit; default none (only the per-flow caps and the machine limit)
#   LAB_STATE_DIR    where the lab's mode and rate are recorded for `cap`; default /run/striper-netlab
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
set -euo pipefail

PREFIX=${LAB_PREFIX:-st}
CLIENT_NS=${PREFIX}c
SERVER_NS=${PREFIX}s
CLIENT_ADDR=${LAB_CLIENT_ADDR:-10.77.0.1}
SERVER_ADDR=${LAB_SERVER_ADDR:-10.77.0.2}
QUEUE_MS=${LAB_QUEUE_MS:-100}
PATH_RATE=${LAB_PATH_RATE:-}
STATE_DIR=${LAB_STATE_DIR:-/run/striper-netlab}
STATE_FILE=$STATE_DIR/$PREFIX.state
# Device names live inside the namespaces only, so two labs never collide on them.
CLIENT_DEV=vc
SERVER_DEV=vs
# Leaf class ids start at 0x10 so that 1:1 (the default class) can never be a bucket.
CLASS_BASE=16

usage() {
  sed -n '3,14p' "$0" | sed 's/^# \{0,1\}//' >&2
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
}

# Reads one key of the state file without sourcing it (it is only data).
state() {
  [ -f "$STATE_FILE" ] || die "no lab is up for LAB_PREFIX=$PREFIX (no $STATE_FILE)"
  sed -n "s/^$1=//p" "$STATE_FILE"
}

lab_down() {
  ip netns del "$CLIENT_NS" 2>/dev/null || true
  ip netns del "$SERVER_NS" 2>/dev/null || true
  rm -f "$STATE_FILE"
}

lab_up() {
  local mode=$1 bps=$2
  lab_down
  ip netns add "$CLIENT_NS"
  ip netns add "$SERVER_NS"
  # Both ends are created straight inside their namespaces, never in the host's, so nothing outside the
  # lab is touched and two labs can be set up at once.
  ip link add name "$CLIENT_DEV" netns "$CLIENT_NS" type veth peer name "$SERVER_DEV" netns "$SERVER_NS"
  ip -n "$CLIENT_NS" addr add "$CLIENT_ADDR/24" dev "$CLIENT_DEV"
  ip -n "$SERVER_NS" addr add "$SERVER_ADDR/24" dev "$SERVER_DEV"
  local ns
  for ns in "$CLIENT_NS" "$SERVER_NS"; do ip -n "$ns" link set lo up; done
  ip -n "$CLIENT_NS" link set "$CLIENT_DEV" up
  ip -n "$SERVER_NS" link set "$SERVER_DEV" up
  if [ "$mode" != none ]; then
    shape_batch "$CLIENT_DEV" "$mode" "$bps" src | ip netns exec "$CLIENT_NS" tc -batch -
    shape_batch "$SERVER_DEV" "$mode" "$bps" dst | ip netns exec "$SERVER_NS" tc -batch -
  fi
  write_state "$mode" "$bps"
  [ -z "$PATH_RATE" ] || [ "$mode" = none ] || echo "lab: all flows together capped at $(to_bps "$PATH_RATE") bit/s each way"
  case $mode in
    none) echo "lab up: $CLIENT_NS=$CLIENT_ADDR $SERVER_NS=$SERVER_ADDR, no cap" ;;
    uniform) echo "lab up: $CLIENT_NS=$CLIENT_ADDR $SERVER_NS=$SERVER_ADDR, per-flow cap $bps bit/s" ;;
    hetero) echo "lab up: $CLIENT_NS=$CLIENT_ADDR $SERVER_NS=$SERVER_ADDR, per-flow cap $bps bit/s, $((bps / 10)) bit/s for buckets b%8 in {6,7}" ;;
  esac
}

[ $# -ge 1 ] || usage
case $1 in
  up)
    [ $# -le 2 ] || usage
    rate=${2:-20mbit}
    if [ "$rate" = none ]; then lab_up none 0; else lab_up uniform "$(to_bps "$rate")"; fi
    ;;
  up-hetero)
    [ $# -eq 2 ] || usage
    lab_up hetero "$(to_bps "$2")"
    ;;
  down)
    lab_down
    ;;
  link)
    [ $# -eq 2 ] && [[ $2 == up || $2 == down ]] || usage
    ip -n "$CLIENT_NS" link set "$CLIENT_DEV" "$2"
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
    ;;
  *)
    usage
    ;;
esac
