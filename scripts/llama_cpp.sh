#!/usr/bin/env bash
# llama-cpp-python built for a portable x86-64 baseline (AVX2/FMA/F16C), never for the build host.
#
# pip caches a wheel it built from source under the package version alone, so a wheel compiled with
# llama.cpp's default -march=native on one machine is reused on the next and dies there with an illegal
# instruction (seen: AMX tile loads on a Xeon that advertises AMX but does not let processes run it).
# This script builds the wheel once with fixed CMake flags into a cache folder named after those flags,
# checks it, and installs it; pip then finds the requirement satisfied and never builds its own.
#
# usage: scripts/llama_cpp.sh install|check|features
#   install   build (or reuse) the portable wheel, install it with its [server] extras, then `check`
#   check     the installed CPU library holds no AVX-512 or AMX instruction (objdump); exit 1 if it does
#   features  one line: the installed llama.cpp's CPU features as llama.cpp reports them
# env: HUMANLLM_PYTHON (default .venv/bin/python), HUMANLLM_WHEEL_CACHE (default ~/.cache/humanllm/wheels),
#      LLAMA_CPP_LIB_DIR (check that folder of libraries instead of the installed package's)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=${HUMANLLM_PYTHON:-$ROOT/.venv/bin/python}
VERSION=0.3.36
SDIST_SHA256=832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e
# GGML_NATIVE=OFF is what matters (its default ON compiles for this CPU); the rest spell out the baseline.
CMAKE_FLAGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
-DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF \
-DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF -DGGML_BACKEND_DL=OFF"
FLAGS_ID=$(printf '%s' "$CMAKE_FLAGS" | sha256sum | cut -c1-12)
CACHE=${HUMANLLM_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/humanllm/wheels}/llama-cpp-python-$VERSION-portable-$FLAGS_ID
# instructions that must not be in a portable build: AMX tiles, and any use of AVX-512's zmm/k registers
FORBIDDEN='tileloadd|tdpbssd|tdpbsud|tdpbusd|tdpbuud|tdpbf16ps|ldtilecfg|tilerelease|%zmm|%k[1-7]\b'

die() { echo "llama_cpp: $*" >&2; exit 1; }

lib_dir() { [[ -n ${LLAMA_CPP_LIB_DIR:-} ]] && { echo "$LLAMA_CPP_LIB_DIR"; return; }; "$PY" -c "import importlib.util, os; s = importlib.util.find_spec('llama_cpp'); print(os.path.join(os.path.dirname(s.origin), 'lib'))"; }

build() {
  local tmp req
  tmp=$(mktemp -d "${CACHE%/*}/.build.XXXXXX")
  req=$tmp/requirements.txt
  echo "llama-cpp-python==$VERSION --hash=sha256:$SDIST_SHA256" >"$req"
  echo "llama_cpp: compiling llama-cpp-python $VERSION for a portable x86-64 baseline (several minutes)"
  echo "llama_cpp:   CMAKE_ARGS=$CMAKE_FLAGS"
  # --no-cache-dir: never take (or leave) a wheel that pip's own cache keys by version alone
  if ! CMAKE_ARGS="$CMAKE_FLAGS" FORCE_CMAKE=1 "$PY" -m pip wheel -q --no-deps --no-cache-dir --no-binary llama-cpp-python \
      --require-hashes -r "$req" -w "$tmp/wheel"; then
    rm -rf "$tmp"; die "building llama-cpp-python $VERSION failed (needs gcc, g++ and cmake; see the output above)"
  fi
  rm -rf "$CACHE"; mv "$tmp/wheel" "$CACHE"; rm -rf "$tmp"
}

install() {
  [[ -x $PY ]] || die "no Python at $PY (create the project venv first, or set HUMANLLM_PYTHON)"
  mkdir -p "${CACHE%/*}"
  local wheel
  wheel=$(ls "$CACHE"/llama_cpp_python-"$VERSION"-*.whl 2>/dev/null | head -n1 || true)
  if [[ -z $wheel ]]; then
    build
    wheel=$(ls "$CACHE"/llama_cpp_python-"$VERSION"-*.whl | head -n1)
  else
    echo "llama_cpp: reusing the portable wheel $wheel"
  fi
  "$PY" -m pip install -q --force-reinstall --no-deps "$wheel"
  "$PY" -m pip install -q "$wheel[server]"  # the server's own dependencies (fastapi, uvicorn, ...)
  check
}

check() {
  local dir found=0 lib hits
  dir=$(lib_dir) || die "llama_cpp is not installed in $PY"
  command -v objdump >/dev/null || { echo "llama_cpp: objdump not found (Debian: binutils); instruction check skipped" >&2; return 0; }
  for lib in "$dir"/libggml*.so "$dir"/libllama*.so; do
    [[ -f $lib ]] || continue
    hits=$(objdump -d --no-show-raw-insn "$lib" | grep -cE "$FORBIDDEN" || true)
    if (( hits > 0 )); then
      echo "llama_cpp: $lib holds $hits AVX-512/AMX instructions: it was compiled for another CPU" >&2
      objdump -d --no-show-raw-insn "$lib" | grep -E "$FORBIDDEN" | head -n 3 >&2
      found=1
    fi
  done
  (( found == 0 )) || die "rebuild it portable: rm -rf '$CACHE' && scripts/llama_cpp.sh install"
  echo "llama_cpp: $dir holds no AVX-512 or AMX instruction (portable build)"
}

features() {
  "$PY" - <<'EOF' 2>/dev/null || echo "llama.cpp: not installed"
import llama_cpp
info = llama_cpp.llama_print_system_info().decode().strip()
print(f"llama.cpp {llama_cpp.__version__}: {info}")
EOF
}

case "${1:-}" in
  install) install ;;
  check) check ;;
  features) features ;;
  *) echo "usage: $0 install|check|features" >&2; exit 2 ;;
esac
