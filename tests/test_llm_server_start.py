"""`scripts/llm_server.sh start` says "started" only after one real completion, and the llama.cpp build holds no
instruction that another x86-64 CPU may refuse (scripts/llama_cpp.sh)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_llm_server import free_port, require_llama_cpp

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parent.parent
SERVER, BUILD = ROOT / "scripts" / "llm_server.sh", ROOT / "scripts" / "llama_cpp.sh"


def script(path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(path), *args],
        env={**os.environ, "HUMANLLM_PYTHON": sys.executable, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_start_fails_with_the_log_tail_when_the_first_completion_kills_the_server(tmp_path: Path) -> None:
    require_llama_cpp()
    port = str(free_port())
    env = {
        "LLM_SERVER_DIR": str(tmp_path),
        "LLM_SERVER_MODULE": "dies_on_first_completion",
        "PYTHONPATH": str(ROOT / "tests" / "stand_ins"),
    }
    started = script(SERVER, "start", port, **env)
    assert started.returncode == 1, started.stdout + started.stderr
    assert "started" not in started.stdout
    err = started.stderr
    assert "answered /v1/models but failed its first completion (exit status 132)" in err, err
    assert "likely cause: illegal instruction" in err and "scripts/llama_cpp.sh install" in err, err
    assert f"last lines of {tmp_path}/server_{port}.log" in err and "stand-in: listening on" in err, err
    assert "dying as an illegal instruction would" in err, err  # the tail holds the server's last words
    assert not (tmp_path / f"server_{port}.pid").exists()
    assert script(SERVER, "status", port, **env).returncode == 3  # nothing left running


def test_the_installed_llama_cpp_holds_no_avx512_or_amx_instruction() -> None:
    require_llama_cpp()
    if shutil.which("objdump") is None:
        pytest.fail("objdump (Debian: binutils) is needed to check the llama.cpp build")
    checked = script(BUILD, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "holds no AVX-512 or AMX instruction" in checked.stdout


@pytest.mark.parametrize("instruction", ["tileloadd (%rsi,%rdx,1), %tmm0", "vaddps %zmm1, %zmm2, %zmm3"])
def test_the_check_refuses_a_library_built_for_another_cpu(tmp_path: Path, instruction: str) -> None:
    """The check can fail: a library holding one AMX (or AVX-512) instruction is refused, with the fix."""
    if shutil.which("objdump") is None or shutil.which("gcc") is None:
        pytest.fail("gcc and objdump (Debian: build-essential, binutils) are needed")
    asm = tmp_path / "kernel.s"
    asm.write_text(f".text\n.globl kernel\nkernel:\n  {instruction}\n  ret\n")
    subprocess.run(["gcc", "-shared", "-o", str(tmp_path / "libggml-cpu.so"), str(asm)], check=True)
    checked = script(BUILD, "check", LLAMA_CPP_LIB_DIR=str(tmp_path))
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "holds 1 AVX-512/AMX instructions" in checked.stderr and "rebuild it portable" in checked.stderr
