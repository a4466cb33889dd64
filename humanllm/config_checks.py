"""Checks across config groups: contradictions no single group can see, found before any stage runs.

`contradictions` is pure (RootConfig's validator runs it on every load); `environment_problems` also
reads the environment and the file system (the CLI runs it before any stage, not for `--cfg`). Each
problem is one line `<key>: <what is wrong and how to fix it>`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from humanllm.eval.benchmarks.registry import benchmarks
from humanllm.task.registry import task_family

# Hosts that never serve without a key (a cluster's own vLLM may well run without one).
KEYED_HOSTS = ("api.openai.com", "openai.azure.com", "api.together.xyz", "api.groq.com", "openrouter.ai")


def llm_endpoints(cfg: Any) -> list[tuple[str, Any]]:
    """The (config key, LLMConfig) pairs this run will call: curation, its judge, the eval judge."""
    needs_curation = cfg.synthesis.mode != "raw"
    endpoints = [("llm", cfg.llm)] if needs_curation or cfg.eval.judge.enabled else []
    judge = getattr(cfg, "judge_llm", None)
    if judge is not None and needs_curation:
        endpoints.append(("judge_llm", judge))
    return endpoints


def contradictions(cfg: Any) -> list[str]:
    problems = []
    if cfg.synthesis.mode == "raw":
        curated = [name for name in cfg.mixture.tasks if task_family(name).needs_curated]
        for name in curated:
            problems.append(
                f"mixture.tasks.{name}: needs curated records, but synthesis=raw runs no LLM curation "
                f"(mixture={cfg.mixture.name}): use synthesis=structured|no_qc|strict|paper, "
                "or a mixture without it"
            )
    else:
        data_platforms = set(cfg.data.platforms())
        if not set(cfg.synthesis.platforms) & data_platforms:
            problems.append(
                f"synthesis.platforms: {sorted(cfg.synthesis.platforms)} has no platform the data "
                f"provides ({sorted(data_platforms)}); curation would see no user"
            )
    for key, llm in llm_endpoints(cfg):
        host = urlparse(llm.base_url or "").hostname or ""
        if llm.backend == "openai" and llm.api_key_env is None and host.endswith(KEYED_HOSTS):
            problems.append(
                f"{key}.api_key_env: {llm.base_url} needs an API key: name the environment variable "
                f"that holds it ({key}.api_key_env=OPENAI_API_KEY); the key itself never goes in a config"
            )
    if cfg.eval.backend == "vllm" and cfg.eval.device == "cpu":
        problems.append("eval.backend: vllm needs a GPU, but eval.device=cpu: use eval.backend=hf or eval.device=cuda")
    if cfg.train.bf16 and cfg.model.dtype == "float16":
        problems.append(
            "train.bf16: bf16 mixed precision on a model loaded in float16 (model.dtype): "
            "set model.dtype=bfloat16 or train.bf16=false"
        )
    return problems


def environment_problems(cfg: Any, evaluates: bool = True) -> list[str]:
    problems = []
    for key, llm in llm_endpoints(cfg):
        if llm.backend == "openai" and llm.api_key_env and not os.environ.get(llm.api_key_env):
            problems.append(
                f"{key}.api_key_env: environment variable {llm.api_key_env} is not set "
                f"(the server at {llm.base_url} needs an API key; synthesis={cfg.synthesis.mode})"
            )
    problems += blog_corpus_problems(cfg)
    e = cfg.eval
    for bench in benchmarks().values():  # those that declare checked_before_run
        folder = bench.data_dir(e)
        if not (evaluates and bench.checked_before_run and bench.enabled(e)):
            continue
        fetch = f"`humanllm fetch {bench.fetch_command}`" if bench.fetch_command else "copy its files by hand"
        if folder is None:
            problems.append(
                f"eval.data.{bench.name}: eval={e.name} runs {bench.name} but no data folder is set: "
                f"{fetch}, then eval.data.{bench.name}=<folder> (or eval.{bench.name}.enabled=false)"
            )
        elif not Path(folder).expanduser().is_dir():
            into = f" (puts it in data/benchmarks/{bench.name})" if bench.fetch_command else ""
            problems.append(
                f"eval.data.{bench.name}: eval={e.name} runs {bench.name} but there is no folder at "
                f"{folder}: {fetch}{into}, or eval.data.{bench.name}=<folder> "
                f"(or eval.{bench.name}.enabled=false)"
            )
    return problems


def blog_corpus_problems(cfg: Any) -> list[str]:
    """data.sources.blogger.files that match no file: the Blog Authorship Corpus is not where the config says."""
    import glob

    blogger = cfg.data.sources.blogger if cfg.data.sample is None else None
    if blogger is None:
        return []
    absent = [p for p in blogger.files if not [m for m in glob.glob(str(Path(p).expanduser())) if Path(m).is_file()]]
    if not absent:
        return []
    folders = sorted({str(Path(p).parent) for p in absent})
    return [
        f"data.sources.blogger.files: no Blog Authorship file matches {', '.join(map(repr, absent))} "
        f"(no corpus in {', '.join(folders)}): run `humanllm fetch corpus blogs {folders[0]}` "
        "(downloads and sha256-checks the corpus), or set data.sources.blogger.files=[<your blogs folder>/*.xml]"
    ]
