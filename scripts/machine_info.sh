#!/usr/bin/env bash
# What machine this is, for reading a failure on another machine from its log: CPU model and the SIMD flags
# that matter to native code, and the CPU features the installed llama.cpp build uses.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
model=$(grep -m1 "model name" /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')
flags=$(grep -m1 "^flags" /proc/cpuinfo 2>/dev/null | tr ' ' '\n' | grep -E '^(sse4_2|avx|avx2|fma|f16c|bmi2|avx512[a-z_0-9]*|amx[a-z_0-9]*)$' | tr '\n' ' ')
echo "machine: $(uname -m), $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), ${model:-unknown CPU}"
echo "machine: CPU flags: ${flags:-none of the SIMD flags}"
if [[ -x ${HUMANLLM_PYTHON:-$ROOT/.venv/bin/python} ]]; then
  echo "machine: $("$ROOT/scripts/llama_cpp.sh" features 2>/dev/null || echo 'llama.cpp: not installed')"
fi
