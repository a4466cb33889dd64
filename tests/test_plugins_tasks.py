"""A task family added from files alone, in a temporary folder: its module (with its judge rubric), named in
HUMANLLM_PLUGINS, and `conf/task/<name>.yaml` on the Hydra search path. It is built by the tasks stage on the
tiny corpus (its module in the tasks stage's code identity, not in its key config), and the judge stage scores
its generations with its own rubric against the test judge server. A generative family that declares no rubric
is refused when it registers, naming the family."""

import json
import sys
from collections.abc import Mapping
from typing import Any, ClassVar

import pytest

from humanllm import codeid, plugins
from humanllm.codeid import code_identity
from humanllm.config import load_config
from humanllm.eval.judge import judged_tasks, run_judge
from humanllm.io import read_json, write_jsonl
from humanllm.llm.testing import FaultServer
from humanllm.pipeline.context import RunContext
from humanllm.pipeline.flow import FlowState, run_task_stage
from humanllm.task import registry
from humanllm.task.registry import register
from humanllm.task.stage import load_examples, task_stage_config

MODULE = "humanllm_test_task_plugin"
RUBRIC = "Does the candidate open the way this person's post opens?"
FAMILY = f'''
import random
from typing import Iterator

from pydantic import Field

from humanllm.schema import StrictModel
from humanllm.task.base import Skipped, TaskExample, TaskFamily, TaskInputs
from humanllm.task.registry import register


class Params(StrictModel):
    words: int = Field(4, ge=1)


@register
class FirstWords(TaskFamily):
    name = "first_words"
    description = "a post's first words → the post"
    Params = Params
    metrics = ("rouge_l",)
    rubric = "{RUBRIC}"

    def examples(self, inputs: TaskInputs, params: Params, rng: random.Random) -> Iterator[TaskExample | Skipped]:
        for user in inputs.corpus.users:
            for post in user.posts:
                words = post.text.split()
                if len(words) <= params.words:
                    yield self.skip(post.post_id, user.user_id, "too_short")
                    continue
                yield self.chat(post.post_id, user.user_id, None,
                                "Write your post that starts: " + " ".join(words[:params.words]), post.text)
'''
NO_RUBRIC = FAMILY.replace(f'    rubric = "{RUBRIC}"\n', "")
YAML = "weight: 1.0\nmax_train: null\nmax_test: 50\nparams:\n  words: 3\n"


def _plugin(tmp_path, monkeypatch, source):
    """The family's module in a folder on sys.path, named in HUMANLLM_PLUGINS; the registry, the plug-ins loaded
    and the code identities are restored afterwards (see `plugin`)."""
    folder = tmp_path / "plugin"
    (folder / "conf" / "task").mkdir(parents=True)
    (folder / f"{MODULE}.py").write_text(source)
    (folder / "conf" / "task" / "first_words.yaml").write_text(YAML)
    registry.task_names()  # the built-ins registered first (the registry is restored to them afterwards)
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.setenv(plugins.ENV, MODULE)
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    monkeypatch.setattr(registry, "_LOADED", False)
    monkeypatch.setattr(plugins, "_loaded", None)
    monkeypatch.setattr(codeid, "_PLUGINS", {k: set(v) for k, v in codeid._PLUGINS.items()})
    code_identity.cache_clear()
    sys.modules.pop(MODULE, None)
    return folder


def _restore(monkeypatch):
    sys.modules.pop(MODULE, None)
    monkeypatch.undo()
    code_identity.cache_clear()


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    yield _plugin(tmp_path, monkeypatch, FAMILY)
    _restore(monkeypatch)


class RubricJudge(FaultServer):
    """Scores 9 when the prompt carries the plug-in's rubric, else 2; remembers every prompt."""

    prompts: ClassVar[list[str]] = []

    @staticmethod
    def _content(body: Mapping[str, Any]) -> str:
        text = body["messages"][-1]["content"]
        RubricJudge.prompts.append(text)
        return json.dumps({"score": 9 if text.startswith(RUBRIC) else 2})


def test_the_plugin_family_is_built_keyed_and_judged(plugin, tmp_path):
    overrides = [
        "experiment=tiny",
        "tracker=none",
        "progress=false",
        f"paths.artifacts={tmp_path / 'a'}",
        f"hydra.searchpath=[file://{plugin / 'conf'}]",
        "+task@mixture.tasks.first_words=first_words",
    ]
    cfg = load_config(overrides)
    assert cfg.mixture.tasks["first_words"].params == {"words": 3}  # the plug-in's YAML
    ctx = RunContext.from_config(cfg)
    state = run_task_stage(ctx, FlowState())
    art = state.tasks["first_words"]
    assert task_stage_config(cfg, "first_words") == {
        "task": "first_words",
        "split": cfg.split.model_dump(),
        "spec": cfg.mixture.tasks["first_words"].model_dump(exclude={"weight"}),
    }
    # its module is in the code identity of the stages that reach the registry (tasks, eval, ...), not of others:
    # an edit to it moves the tasks stage's key and leaves the data and merge stages' alone
    reach, others = (
        ("humanllm.task.stage", "humanllm.eval.stage"),
        ("humanllm.data.stage", "humanllm.merge.stage"),
    )
    before = {m: code_identity(m) for m in reach + others}
    source = plugin / f"{MODULE}.py"
    source.write_text(source.read_text().replace("a post's first words", "the first words of a post"))
    code_identity.cache_clear()
    after = {m: code_identity(m) for m in reach + others}
    assert all(after[m] != before[m] for m in reach) and all(after[m] == before[m] for m in others)
    test = load_examples(art, "test")
    assert test and all(e.messages[0]["content"].startswith("Write your post that starts:") for e in test)
    assert "first_words" in judged_tasks() and judged_tasks()[:5] == [
        "writing_imitation",
        "personalized_commenting",
        "profile_generation",
        "scenario_generation",
        "social_qa",
    ]

    # the eval stage's generations for the plug-in task (answers = the references), then the judge stage
    eval_dir = tmp_path / "eval"
    write_jsonl(
        eval_dir / "generations" / "first_words.jsonl",
        [
            {
                "example_id": e.example_id,
                "user_id": e.user_id,
                "reference": e.reference,
                "prompt": e.prompt,
                "answer": e.reference,
                "meta": {},
            }
            for e in test
        ],
    )
    from humanllm.store import Artifact

    RubricJudge.prompts.clear()
    with RubricJudge(latency_s=0.0, fault_rate=0.0) as server:
        judged_cfg = load_config(
            [*overrides, f"llm.base_url={server.base_url}", f"llm.model={server.model}", "llm.autostart=false"]
        )
        judge = run_judge(
            RunContext.from_config(judged_cfg), "sft", Artifact("eval", "plugin-eval", eval_dir, {}), None
        )
    scores = read_json(judge.path / "scores.json")["scores"]
    assert scores["judge/first_words/score"] == 9.0 and scores["judge/first_words/unparsed_point"] == 0
    assert len(RubricJudge.prompts) == min(len(test), judged_cfg.eval.judge.max_items)


def test_a_family_without_a_rubric_is_refused_naming_it(tmp_path, monkeypatch):
    _plugin(tmp_path, monkeypatch, NO_RUBRIC)
    with pytest.raises(
        TypeError,
        match=r"task family 'first_words' \(humanllm_test_task_plugin.FirstWords\) "
        r"declares no judge rubric: set `rubric = ",
    ):
        registry.task_names()
    _restore(monkeypatch)


def test_rubric_none_is_a_declaration_and_a_bad_rubric_is_refused():
    from humanllm.task.families.item_selection import ItemSelection

    class NotJudged(ItemSelection):
        name = "not_judged_x"

    assert NotJudged.rubric is None  # inherited: item_selection says it is not judged
    assert "item_selection" not in judged_tasks()

    class Blank(ItemSelection):
        name = "blank_rubric_x"
        rubric = "  "

    with pytest.raises(TypeError, match="task family 'blank_rubric_x'.*non-empty string or None"):
        register(Blank)


# The rubrics as humanllm/eval/judge.py held them before the families declared them (commit c3caba6).
RUBRICS_BEFORE = {
    "writing_imitation": "Does the candidate read like the same person wrote it: voice, habits, interests and the kind of things they say?",
    "personalized_commenting": "Is the candidate a comment this specific user would plausibly leave on that post: stance, tone and focus?",
    "profile_generation": "Does the candidate profile describe the same person: facts, traits and interests, without invented details?",
    "scenario_generation": "Does the candidate continue the story the way this person's real story goes: events, feelings and details?",
    "social_qa": "Does the candidate give the answer this person actually gave: same action, thought or reason?",
}


def test_the_builtin_families_judge_prompts_are_unchanged():
    from humanllm.eval.judge import _point_request

    assert judged_tasks() == list(RUBRICS_BEFORE)  # the same families, in the same order
    gen = {"example_id": "x:1", "prompt": [{"role": "user", "content": "write"}], "reference": "ref", "answer": "ans"}
    for task, text in RUBRICS_BEFORE.items():
        user = _point_request(task, gen, 16).messages[-1]["content"]
        assert user == (
            f"{text}\n\nTask given to the writer:\nwrite\n\nWhat the real person wrote:\nref\n\nCandidate:\nans\n\n"
            'Rate the candidate from 1 (nothing like the person) to 10 (indistinguishable). JSON: {"score": <1-10>}'
        )
