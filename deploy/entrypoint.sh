#!/usr/bin/env bash
# Entry point of the ShardedBackprop image: the first argument is the role, the rest goes to the
# program. Settings also come from SHARDEDBACKPROP_Coordinator__* / SHARDEDBACKPROP_Worker__*.
#
#   coordinator [options]   the cluster's seed node; trains and writes the model
#   worker [options]        joins the coordinator (--coordinator HOST:PORT) and computes gradients
#   reference [options]     trains in one process, no cluster: the bits a cluster run must match
#   predict [options]       predictions of a model file for a CSV
#   explain [options]       one step of training, term by term
#   healthcheck             exit 0 if this container's node accepts TCP connections (HEALTHCHECK)
set -euo pipefail

app=${SBP_APP_DIR:-/app}
health_file=${TMPDIR:-/tmp}/sbp-health

usage() {
  echo "usage: entrypoint.sh coordinator|worker|reference|predict|explain [options]   (--help after a role lists its options)" >&2
}

# shellcheck source=deploy/options.sh
. "$(dirname "${BASH_SOURCE[0]}")/options.sh"

# This container's own address, as the other containers of its network reach it.
own_address() {
  local addresses="" address
  addresses=$(hostname -i 2>/dev/null || true)
  if [ -z "$addresses" ]; then
    addresses=$(getent hosts "$(cat /proc/sys/kernel/hostname)" | cut -d ' ' -f 1 || true)
  fi
  for address in $addresses; do
    if [[ $address =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] && [ "${address%%.*}" != 127 ]; then
      printf '%s' "$address"
      return
    fi
  done
  for address in $addresses; do
    printf '%s' "$address"
    return
  done
}

is_wildcard() {
  case $1 in
    0.0.0.0 | :: | "[::]" | "*" | +) return 0 ;;
    *) return 1 ;;
  esac
}

# Runs a node (Coordinator or Worker): remembers its port for the health check and, when it
# listens on every interface with no public host configured, advertises this container's address.
run_node() {
  local section=$1 dll=$2 host port public env_host env_port env_public public_variable
  shift 2
  if [ "$section" = Coordinator ]; then
    env_host=${SHARDEDBACKPROP_Coordinator__Host:-}
    env_port=${SHARDEDBACKPROP_Coordinator__Port:-4053}
    env_public=${SHARDEDBACKPROP_Coordinator__PublicHost:-}
    public_variable=SHARDEDBACKPROP_Coordinator__PublicHost
  else
    env_host=${SHARDEDBACKPROP_Worker__Host:-}
    env_port=${SHARDEDBACKPROP_Worker__Port:-0}
    env_public=${SHARDEDBACKPROP_Worker__PublicHost:-}
    public_variable=SHARDEDBACKPROP_Worker__PublicHost
  fi
  host=$(option_value --host "$@")
  host=${host:-${env_host:-127.0.0.1}}
  port=$(option_value --port "$@")
  port=${port:-$env_port}
  public=$(option_value --public-host "$@")
  public=${public:-$env_public}

  local extra=()
  if [ -z "$public" ] && is_wildcard "$host"; then
    public=$(own_address)
    if [ -z "$public" ]; then
      echo "error: listening on $host, but this container's address is unknown; set --public-host or $public_variable" >&2
      exit 2
    fi
    extra=(--public-host "$public")
  fi

  if is_wildcard "$host"; then
    printf '127.0.0.1 %s\n' "$port" >"$health_file" 2>/dev/null || true
  else
    printf '%s %s\n' "$host" "$port" >"$health_file" 2>/dev/null || true
  fi

  exec dotnet "$dll" "$@" "${extra[@]}"
}

# The coordinator writes its model, metrics and checkpoints below the working directory (/out).
require_writable_workdir() {
  if [ ! -w . ]; then
    echo "error: $(pwd) is not writable by uid $(id -u); make the mounted folder writable (chmod a+rwx) or run the container as its owner" >&2
    exit 2
  fi
}

healthcheck() {
  local host port
  if [ ! -r "$health_file" ]; then
    exit 0 # a one-shot command (reference, predict, explain): nothing listens
  fi
  read -r host port <"$health_file"
  if [ "${port:-0}" = 0 ]; then
    exit 0 # a port picked at start (--port 0): not known here
  fi
  # Opens a TCP connection to the node's port with bash alone (the image has no curl).
  exec 3<>"/dev/tcp/$host/$port"
}

role=${1:-}
if [ $# -gt 0 ]; then
  shift
fi

coordinator_dll=$app/coordinator/ShardedBackprop.Coordinator.dll
worker_dll=$app/worker/ShardedBackprop.Worker.dll

case $role in
  coordinator)
    require_writable_workdir
    run_node Coordinator "$coordinator_dll" "$@"
    ;;
  worker)
    run_node Worker "$worker_dll" "$@"
    ;;
  reference)
    require_writable_workdir
    exec dotnet "$coordinator_dll" reference "$@"
    ;;
  predict | explain)
    exec dotnet "$coordinator_dll" "$role" "$@"
    ;;
  healthcheck)
    healthcheck
    ;;
  help | -h | --help)
    usage
    exit 0
    ;;
  *)
    echo "error: unknown role '$role'" >&2
    usage
    exit 2
    ;;
esac
