# Shared by the deploy scripts (sourced, not run).
# shellcheck shell=bash

# The value of the last FLAG VALUE or FLAG=VALUE among the arguments after FLAG, or nothing.
option_value() {
  local flag=$1 value="" next=0 arg
  shift
  for arg in "$@"; do
    if [ "$next" -eq 1 ]; then
      value=$arg
      next=0
    elif [ "$arg" = "$flag" ]; then
      next=1
    elif [ "${arg#"$flag"=}" != "$arg" ]; then
      value=${arg#"$flag"=}
    fi
  done
  printf '%s' "$value"
}
