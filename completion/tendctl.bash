# bash completion for tendctl (tend's control client).
# Install: /usr/share/bash-completion/completions/tendctl, or source it.
# Completes commands, options, signal names after `tendctl signal`, and the
# names of the services of the running tend, asked with `tendctl health
# --all --json` (the lightest request that lists them: no /proc scan),
# through the same --control/--socket the command line gives, for at most
# 2 seconds.

_tendctl_services() {
  local ctl=$1
  shift
  local reply
  if command -v timeout >/dev/null 2>&1; then
    reply=$(timeout 2 "$ctl" "$@" --json health --all 2>/dev/null)
  else
    reply=$("$ctl" "$@" --json health --all 2>/dev/null)
  fi
  # Service names are letters, digits and ._-+@: no JSON escapes to undo.
  local re='"name":"([^"]*)"'
  while [[ $reply =~ $re ]]; do
    printf '%s\n' "${BASH_REMATCH[1]}"
    reply=${reply#*"${BASH_REMATCH[0]}"}
  done
}

_tendctl() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
  local commands="status start stop restart signal reload shutdown logs wait events health"
  local signals="HUP INT QUIT KILL USR1 USR2 TERM CONT STOP TSTP WINCH ALRM"
  local global="--control --socket --json --help --version"
  COMPREPLY=()

  case $prev in
    --control | --socket)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      return 0
      ;;
    -n | --lines | --timeout) return 0 ;;  # a number: nothing to offer
  esac

  # The command, its arguments so far, and the socket options to pass on.
  local i word command="" args=0 ctl_opts=() dashdash=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    if [[ -z $dashdash ]]; then
      case $word in
        --) dashdash=1; continue ;;
        --control | --socket) ctl_opts+=(--control "${COMP_WORDS[i+1]}"); ((i++)); continue ;;
        --control=* | --socket=*) ctl_opts+=("$word"); continue ;;
        -n | --lines | --timeout) ((i++)); continue ;;
        -*) continue ;;
      esac
    fi
    if [[ -z $command ]]; then command=$word; else ((args++)); fi
  done

  if [[ $cur == -* && -z $dashdash ]]; then
    local options=$global
    case $command in
      logs) options+=" -n -f --lines --follow" ;;
      wait) options+=" --timeout" ;;
      health) options+=" --all" ;;
    esac
    mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
    return 0
  fi
  if [[ -z $command ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
    return 0
  fi
  local names=""
  case $command in
    reload | shutdown) return 0 ;;
    signal)
      if ((args == 0)); then
        mapfile -t COMPREPLY < <(compgen -W "$signals" -- "${cur#SIG}")
        return 0
      fi
      names="all"
      ;;
    logs) ((args > 0)) && return 0 ;;
    start | stop | restart | wait) names="all" ;;
  esac
  names+=" $(_tendctl_services "${COMP_WORDS[0]}" "${ctl_opts[@]}")"
  mapfile -t COMPREPLY < <(compgen -W "$names" -- "$cur")
  return 0
}

complete -F _tendctl tendctl
