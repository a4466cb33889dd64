"""Small, deterministic benchmark folders in the exact official schemas (for tests, demo and docs).

MotiveBench: Persona/, Amazon/, Blog/ with `<Subset>_questions.json` (6 labelled options per question).
ToMBench: data/*.jsonl with the bilingual keys (newlines inside some keys), 4-option items and 2-option
items whose unused options are null or NaN (the official files use both spellings of "missing"),
Chinese option labels written "A. " or "A: ", and one multi-ability string.

With quirks=True each file also holds the official release's oddities, on known lines (QUIRK_LINES):
answers written "A." and "A. ", options labelled "A.x" or unlabelled, an extra key, zh/en option counts
that differ, and items the pre-flight must exclude (an answer with no option, a line of invalid JSON);
and what the official script's own handling turns on: two options with the same text, "X. " inside an
option's text, a story with surrounding spaces, and an item whose shown options the script cannot read
(zh option C set, en option C null). The folder also gets a prompts.py with the official prompt constants
(what `humanllm bench parity` reads from a checkout).
MotiveBench gets an answer written "D. ", unlabelled options and a question with a NaN option.
"""

from __future__ import annotations

import json
from pathlib import Path

from humanllm.eval.benchmarks.evals_module import evals_module

SUBSETS = ("Persona", "Amazon", "Blog")

_PEOPLE = ["Maya, a nurse", "Tom, a retired teacher", "Lena, a graduate student", "Omar, a bakery owner",
           "Iris, a software engineer"]  # fmt: skip
_EVENTS = ["a surprise audit at work", "a friend's wedding abroad", "a broken laptop before a deadline",
           "a neighbour's noisy renovation", "an unexpected job offer"]  # fmt: skip
_MOTIVES = ["to protect her reputation", "to keep a promise", "to save money", "to help a friend", "to avoid conflict",
            "to learn something new", "to feel in control again", "to impress a mentor",
            "to rest after a hard week"]  # fmt: skip
_ACTIONS = ["asks a colleague for advice", "writes a detailed plan", "postpones the decision", "calls a family member",
            "returns the product", "volunteers for extra work", "posts a long review", "books a trip",
            "cancels the order"]  # fmt: skip


def _options(texts: list[str]) -> list[str]:
    return [f"{'ABCDEF'[i]}. {t}" for i, t in enumerate(texts)]


def _pick(pool: list[str], start: int) -> list[str]:
    return [pool[(start + 2 * j) % len(pool)] for j in range(6)]  # 2 is coprime with 9: six distinct


def motivebench_record(idx: int, subset: str) -> dict:
    """One scenario record with the official keys; answers vary with idx so every letter appears."""
    s = SUBSETS.index(subset)
    person, event = _PEOPLE[(idx + s) % len(_PEOPLE)], _EVENTS[(idx + 2 * s) % len(_EVENTS)]
    scene = f"[{subset} scenario {idx}] {person}, is dealing with {event}."
    rot = [(idx + j + s) % 6 for j in range(3)]  # gold positions for the three questions
    motives, actions = _pick(_MOTIVES, idx + 3 * s), _pick(_ACTIONS, 2 * idx + s)
    both = [f"Motivation: {m}, Behavior: {a}" for m, a in zip(motives, actions[1:] + actions[:1])]

    def place(opts: list[str], gold: int) -> list[str]:  # move the first (true) option to position `gold`
        rest = opts[1:]
        return rest[:gold] + [opts[0]] + rest[gold:]

    return {
        "idx": idx,
        "Motivation Reasoning Question": f"{scene} The person {actions[0]}. What is the most likely motivation?",
        "Options 1": _options(place(motives, rot[0])),
        "Correct Answer 1": "ABCDEF"[rot[0]],
        "Behavior Reasoning Question": f"{scene} Driven {motives[0]}, what is the person most likely to do?",
        "Options 2": _options(place(actions, rot[1])),
        "Correct Answer 2": "ABCDEF"[rot[1]],
        "Motivation and Behavior Reasoning Question": f"{scene} What will the person most likely do next, and why?",
        "Options 3": _options(place(both, rot[2])),
        "Correct Answer 3": "ABCDEF"[rot[2]],
    }


def motivebench_quirk_record(idx: int) -> dict:
    """A Persona record with an answer written like 'D. ', unlabelled options (question 2) and a NaN option (question 3)."""
    rec = motivebench_record(idx, "Persona")
    rec["Correct Answer 1"] = f"{rec['Correct Answer 1']}. "
    rec["Options 2"] = [o.split(". ", 1)[1] for o in rec["Options 2"]]
    rec["Options 3"] = rec["Options 3"][:5] + [_NAN]
    return rec


def write_motivebench_fixture(dest: str | Path, scenarios_per_subset: int = 3, quirks: bool = False) -> Path:
    """Write Persona/, Amazon/, Blog/ question files under `dest`; returns `dest`."""
    root = Path(dest)
    for subset in SUBSETS:
        records = [motivebench_record(i, subset) for i in range(scenarios_per_subset)]
        if quirks and subset == "Persona":
            records.append(motivebench_quirk_record(scenarios_per_subset))
        path = root / subset / f"{subset}_questions.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(records, ensure_ascii=False, indent=4), encoding="utf-8")
    return root


_NAN = float("nan")


def _tom(ability: str, index: int, zh: tuple, en: tuple, answer: str) -> dict:
    """A ToMBench record; zh/en = (story, question, [options]) with 2 or 4 options; missing ones None."""
    (zs, zq, zo), (es, eq, eo) = zh, en
    zo, eo = list(zo) + [None] * (4 - len(zo)), list(eo) + [None] * (4 - len(eo))
    rec = {"能力\nABILITY": ability, "序号\nINDEX": index, "故事": zs, "问题": zq}
    rec.update({f"选项{c}": zo[i] for i, c in enumerate("ABCD")})
    rec.update({"STORY": es, "QUESTION": eq})
    rec.update({f"OPTION-{c}": eo[i] for i, c in enumerate("ABCD")})
    rec["答案\nANSWER"] = answer
    return rec


_BELIEF_ZH = "小明和小红在厨房，他们在篮子里发现了苹果。小红离开了厨房，小明把苹果移到了抽屉里。"
_BELIEF_EN = ("Xiaoming and Xiaohong are in the kitchen and find an apple in the basket. "
              "Xiaohong leaves, and Xiaoming moves the apple to the drawer.")  # fmt: skip
_FAUX_ZH = "小王说他妈妈是学校食堂的阿姨。小芳走过来说：“我不喜欢食堂阿姨。”"
_FAUX_EN = ("Xiao Wang says his mother works in the school cafeteria. "
            'Xiao Fang comes over and says: "I do not like the cafeteria ladies."')  # fmt: skip
_GIFT_ZH = "小李没有得到礼物，但他笑着说没关系。"
_GIFT_EN = "Xiao Li gets no present but smiles and says it is fine."
_LOCATION = "Belief: Location false beliefs"
_FAUX_PAS = "Non-Literal Communication: Faux pas"
_HIDDEN = "Emotion: Hidden emotions"


def tombench_files() -> dict[str, list[dict]]:
    """File stem -> records, small but covering the schema's corner cases."""
    places_zh, places_en = ["抽屉", "篮子", "盒子", "背包"], ["Drawer", "Basket", "Box", "Backpack"]
    return {
        "False Belief Task": [
            _tom(_LOCATION, 1, (_BELIEF_ZH, "现在苹果在哪里？", places_zh),
                 (_BELIEF_EN, "Where is the apple now?", places_en), "A"),
            _tom(_LOCATION, 2, (_BELIEF_ZH, "之前苹果在哪里？", places_zh[::-1]),
                 (_BELIEF_EN, "Where was the apple before?", places_en[::-1]), "C"),
            _tom(f"{_LOCATION} Belief: Second-order beliefs", 3,
                 (_BELIEF_ZH, "小明认为小红会在哪里找苹果？", places_zh[2:] + places_zh[:2]),
                 (_BELIEF_EN, "Where does Xiaoming think Xiaohong looks for the apple?", places_en[2:] + places_en[:2]),
                 "D"),
        ],
        "Faux-pas Recognition Test": [
            _tom(_FAUX_PAS, 1, (_FAUX_ZH, "这个故事中是否有人说了不合适的话?", ["A. 有人说了不合适的话", "B: 没有人说不合适的话"]),
                 (_FAUX_EN, "Does anyone say something inappropriate?", ["Someone does", "No one does"]), "A"),
            _tom(_FAUX_PAS, 2,
                 (_FAUX_ZH, "哪句话是不合适的?", ["A. “我妈妈在食堂工作。”", "B. “我不喜欢食堂阿姨。”", "C. “你好。”", "D. 没有"]),
                 (_FAUX_EN, "Which sentence is inappropriate?",
                  ["My mother works in the cafeteria.", "I do not like the cafeteria ladies.", "Hello.", "None"]),
                 "B"),
            _tom(_FAUX_PAS, 3, (_FAUX_ZH, "小芳知道小王的妈妈是食堂阿姨吗?", ["A. 知道", "B. 不知道"]),
                 (_FAUX_EN, "Does Xiao Fang know Xiao Wang's mother works there?", ["Knows", "Does not know"]), "B"),
        ],
        "Hidden Emotions": [
            _tom(_HIDDEN, 1, (_GIFT_ZH, "小李真实的感受是什么？", ["失望", "开心"]),
                 (_GIFT_EN, "How does Xiao Li really feel?", ["Disappointed", "Happy"]), "A"),
            _tom(_HIDDEN, 2, (_GIFT_ZH, "小李表现出的情绪是什么？", ["失望", "开心", "生气", "害怕"]),
                 (_GIFT_EN, "Which emotion does Xiao Li show?", ["Disappointed", "Happy", "Angry", "Afraid"]), "B"),
        ],
    }  # fmt: skip


QUIRK_LINES = {  # file -> line -> what the pre-flight must say about it
    "False Belief Task.jsonl": {
        4: "answer written 'A. '",
        5: "answer written 'C.'",
        6: "invalid JSON",
        7: "answer 'D' is not one of AB",
    },
    "Hidden Emotions.jsonl": {3: "extra key", 4: "zh has 4 options, en 2", 5: "zh has 2 options, en 4"},
}


def _quirk_records() -> dict[str, list]:
    places_zh, places_en = ["A.抽屉", "B.篮子", "C.盒子", "D.背包"], ["A. Drawer", "B. Basket", "C. Box", "D. Backpack"]
    spaced = _tom(_LOCATION, 4, (_BELIEF_ZH, "苹果在哪里？", places_zh), (_BELIEF_EN, "Where is it?", places_en), "A. ")
    dotted = _tom(
        _LOCATION, 5, (_BELIEF_ZH, "苹果原来在哪里？", places_zh), (_BELIEF_EN, "Where was it?", places_en), "C."
    )
    no_option = _tom(_LOCATION, 7, (_BELIEF_ZH, "对吗？", ["是", "不是"]), (_BELIEF_EN, "Right?", ["Yes", "No"]), "D")
    extra = {
        "类型": "补充",
        **_tom(
            _HIDDEN,
            3,
            (_GIFT_ZH, "他开心吗？", ["开心", "不开心"]),
            (_GIFT_EN, "Is he happy?", ["Happy", "Not happy"]),
            "B",
        ),
    }
    mismatch = _tom(
        _HIDDEN,
        5,
        (_GIFT_ZH, "他说的是真的吗？", ["A.是", "B.不是"]),
        (_GIFT_EN, "Why did he smile?", ["To be polite", "He was happy", "He was tired", "No reason"]),
        "A",
    )
    twins = _tom(
        _HIDDEN,
        6,
        (_GIFT_ZH, "他的感受？", ["开心", "难过", "平静", "生气"]),
        (_GIFT_EN, "How does he feel?", ["Happy", "Sad", "Happy", "Calm"]),
        "B",
    )
    inner = _tom(
        _HIDDEN,
        7,
        (f"  {_GIFT_ZH} ", "他的计划？", ["A. 计划A. 然后B", "B. 计划B. A. 好", "C. 无", "D. 不知道"]),
        (f" {_GIFT_EN}\n", "What is his plan?", ["A. Plan A. Then B", "B. Plan B. A. ok", "C. None", "D. Unknown"]),
        "A",
    )
    unreadable = _tom(
        _HIDDEN,
        4,
        (_GIFT_ZH, "他累吗？", ["累", "不累", "有点", "不知道"]),
        (_GIFT_EN, "Is he tired?", ["Yes", "No"]),
        "A",
    )
    return {
        "False Belief Task": [spaced, dotted, '{"序号\\nINDEX": 6, "故事": "unterminated', no_option],
        "Hidden Emotions": [extra, unreadable, mismatch, twins, inner],
    }


def write_tombench_fixture(dest: str | Path, quirks: bool = False) -> Path:
    """Write `dest`/data/<Task>.jsonl; 2-option items in Faux-pas use NaN, elsewhere null."""
    root = Path(dest)
    (root / "data").mkdir(parents=True, exist_ok=True)
    for stem, records in tombench_files().items():
        lines = []
        for rec in records:
            if stem.startswith("Faux") and rec["选项C"] is None:
                rec = {k: (_NAN if v is None else v) for k, v in rec.items()}
            lines.append(json.dumps(rec, ensure_ascii=False))  # NaN is written as the bare token NaN
        for rec in _quirk_records().get(stem, []) if quirks else []:
            lines.append(rec if isinstance(rec, str) else json.dumps(rec, ensure_ascii=False))
        (root / "data" / f"{stem}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "prompts.py").write_text(_tombench_prompts(), encoding="utf-8")
    return root


def _tombench_prompts() -> str:
    """prompts.py as the official checkout lays it out: one string constant per prompt (system, 4- and 2-option)."""
    u = evals_module("tombench")
    out = []
    for lang in ("zh", "en"):
        story, question, answers = u.HEADERS[lang]
        head = f"{story}\n{{story}}\n\n{question}\n{{question}}\n\n{answers}\n"
        four = head + "\n".join(f"{c}. {{choice_{c.lower()}}}" for c in "ABCD")
        two = head + "\n".join(f"{c}. {{choice_{c.lower()}}}" for c in "AB")
        out += [
            f"SystemEvaluatePrompt_{lang} = {u.SYSTEM[lang]!r}",
            f"UserEvaluatePrompt4Choices_{lang} = {four!r}",
            f"UserEvaluatePrompt2Choices_{lang} = {two!r}",
        ]
    return "\n\n".join(out) + "\n"


def write_bigbench_fixture(
    dest: str | Path, tasks: tuple[str, ...] = ("navigate", "snarks"), examples: int = 8
) -> Path:
    """Write `dest`/<task>/task.json: two-choice BIG-bench tasks (True/False target_scores) in the official layout."""
    root = Path(dest)
    for name in tasks:
        task = {
            "name": name,
            "examples": [
                {"input": f"{name} question {i}?", "target_scores": {"True": int(i % 2 == 0), "False": int(i % 2 == 1)}}
                for i in range(examples)
            ],
        }
        (root / name).mkdir(parents=True, exist_ok=True)
        (root / name / "task.json").write_text(json.dumps(task))
    return root
