"""The raw-text families on hand-made corpora: item selection as the paper builds it (same-category
unseen negatives, seeded true position, titles that contain one another), and the paper / compact
formats of writing imitation, commenting and item selection, with curated personas, styles and summaries."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from humanllm.data.records import Corpus, Item, Post, Thread, UserRecord
from humanllm.io import write_jsonl
from humanllm.schema import ConfigError
from humanllm.synthesis.records import CleanedPost, CuratedSet, Persona, PostSummary, ProfileParagraph, Style
from humanllm.task.base import Skipped, TaskExample, TaskInputs
from humanllm.task.paper import random_split, token_count, words_target
from humanllm.task.registry import task_family, validate_params

BOOKS = [
    "Dune",
    "Dune Messiah",
    "Children of Dune",
    "Emma",
    "Persuasion",
    "Middlemarch",
    "Ulysses",
    "Beloved",
    "Dracula",
    "Frankenstein",
    "Rebecca",
    "Kindred",
    "Solaris",
    "Neuromancer",
    "Hyperion",
    "Foundation",
    "Foundation and Empire",
    "The Hobbit",
    "Hobbit",
    "Watership Down",
    "Possession",
    "Atonement",
    "Middlemarch",
    *(f"Novel {i}" for i in range(12)),
]
TOOLS = [f"Garden tool {i}" for i in range(40)]


def _write(folder, users, items=(), threads=()) -> Corpus:
    folder.mkdir(parents=True, exist_ok=True)
    write_jsonl(folder / "users.jsonl", users)
    write_jsonl(folder / "items.jsonl", list(items))
    write_jsonl(folder / "threads.jsonl", list(threads))
    return Corpus(folder)


def _review(uid: str, asin: str, i: int, text: str = "Good read, kept me up all night with its twists.") -> Post:
    return Post(
        post_id=f"amazon:{uid}:{i}",
        platform="amazon",
        kind="review",
        author=uid,
        text=text,
        title="Worth it",
        created_at=1_600_000_000 + i,
        meta={"parent_asin": asin, "rating": 5},
    )


def _catalog() -> list[Item]:
    books = [Item(item_id=f"B{i:03d}", title=t, category="Books") for i, t in enumerate(BOOKS)]
    tools = [Item(item_id=f"T{i:03d}", title=t, category="Garden") for i, t in enumerate(TOOLS)]
    return books + tools


def _shoppers(n: int = 6) -> list[UserRecord]:
    """Each shopper buys 8 books, the last one "Dune", plus two garden tools (another category)."""
    users = []
    for u in range(n):
        rng = random.Random(u)
        history = rng.sample([f"B{i:03d}" for i in range(3, 22)], 7)
        asins = ["T000", *history, "T001", "B000"]  # Dune last in Books
        users.append(
            UserRecord(
                user_id=f"amazon:shopper{u}",
                platform="amazon",
                posts=[_review(f"shopper{u}", a, i) for i, a in enumerate(asins)],
            )
        )
    return users


def _made(name: str, inputs: TaskInputs, seed: int = 0, **params) -> tuple[list[TaskExample], list[Skipped]]:
    out = list(task_family(name).examples(inputs, validate_params(name, params), random.Random(seed)))
    return [e for e in out if isinstance(e, TaskExample)], [s for s in out if isinstance(s, Skipped)]


@pytest.mark.parametrize("fmt", ["paper", "compact"])
def test_item_selection_negatives_share_the_category_and_were_never_touched(tmp_path, fmt):
    corpus = _write(tmp_path, _shoppers(), _catalog())
    examples, skipped = _made("item_selection", TaskInputs(corpus), format=fmt, per_user_max=1, min_history=5)
    assert len(examples) == 6 and not skipped
    for e in examples:
        ids, titles, k = e.meta["candidate_ids"], e.meta["candidate_titles"], e.meta["true_index"]
        assert len(ids) == 20 and titles[k] == e.reference == "Dune" and ids[k] == "B000"
        assert e.meta["category"] == "Books" and all(i.startswith("B") for i in ids), "a negative from another category"
        touched = {p.meta["parent_asin"] for p in corpus.users[int(e.user_id[-1])].posts}
        assert not (set(ids) - {"B000"}) & touched, "a negative the user reviewed"
        assert len({t.casefold() for t in titles}) == 20, "two candidates with one title"
        assert "Garden tool 0" not in e.meta["history_titles"]  # history stays in the category
    assert len({e.meta["true_index"] for e in examples}) > 1, "the true item must not sit at one fixed position"
    again, _ = _made("item_selection", TaskInputs(corpus), format=fmt, per_user_max=1, min_history=5)
    assert [e.meta["candidate_ids"] for e in again] == [e.meta["candidate_ids"] for e in examples]


def test_item_selection_titles_that_contain_one_another_stay_distinct_candidates(tmp_path):
    corpus = _write(tmp_path, _shoppers(12), _catalog())
    examples, _ = _made("item_selection", TaskInputs(corpus), per_user_max=1, min_history=5)
    with_messiah = [e for e in examples if "Dune Messiah" in e.meta["candidate_titles"]]
    assert with_messiah, "the fixture should put Dune Messiah next to Dune"
    for e in with_messiah:
        titles = e.meta["candidate_titles"]
        assert titles[e.meta["true_index"]] == "Dune" and titles.count("Dune") == 1
        assert titles.index("Dune Messiah") != e.meta["true_index"]
    # the duplicated title "Middlemarch" never appears twice among the candidates
    assert all(e.meta["candidate_titles"].count("Middlemarch") <= 1 for e in examples)


def test_item_selection_skips_a_category_too_small_for_the_negatives(tmp_path):
    corpus = _write(tmp_path, _shoppers(2), _catalog())
    examples, skipped = _made("item_selection", TaskInputs(corpus), per_user_max=1, min_history=5, candidates=30)
    assert not examples and Counter(s.reason for s in skipped) == {"category_too_small": 2}


def test_item_selection_paper_mixes_persona_and_history(tmp_path):
    users = _shoppers(60)
    corpus = _write(tmp_path, users, _catalog())
    personas = {
        u.user_id: Persona(
            record_id=f"persona:{u.user_id}",
            user_id=u.user_id,
            platform="amazon",
            source_post_ids=[],
            persona=f"A reader called {u.user_id[-2:]}.",
        )
        for u in users[:-1]
    }
    posts = {
        p.post_id: CleanedPost(post_id=p.post_id, user_id=u.user_id, platform="amazon", kind="review", text=p.text)
        for u in users
        for p in u.posts
    }
    examples, skipped = _made(
        "item_selection", TaskInputs(corpus, CuratedSet(posts=posts, personas=personas)), per_user_max=1, min_history=5
    )
    assert [s.reason for s in skipped] == ["no_persona"]  # curated, but no persona kept: skipped as officially
    contexts = Counter(e.meta["context"] for e in examples)
    assert set(contexts) == {"history", "persona", "persona_history"} and contexts["history"] > contexts["persona"]
    for e in examples:
        ask = e.messages[0]["content"]
        assert [m["role"] for m in e.messages] == ["user", "assistant"]
        assert ("A reader called" in ask) == (e.meta["context"] != "history")
        assert ("History 1:" in ask) == (e.meta["context"] != "persona")
        assert "Books" in ask


def test_item_selection_params_are_checked():
    with pytest.raises(ConfigError, match="context_mix"):
        validate_params("item_selection", {"context_mix": {"history": 0}})
    with pytest.raises(ConfigError, match="format"):
        validate_params("item_selection", {"format": "official"})


# --- writing imitation ----------------------------------------------------------------------------


def _writer(n_posts: int = 5) -> UserRecord:
    posts = [
        Post(
            post_id=f"reddit:t3_w{i}",
            platform="reddit",
            kind="submission",
            author="writer",
            title=f"Trip {i}",
            text=" ".join(f"Day {i} word{j} of my long walk along the coast path." for j in range(6)),
            created_at=1_600_000_000 + i,
        )
        for i in range(n_posts)
    ]
    return UserRecord(user_id="reddit:writer", platform="reddit", posts=posts)


def test_writing_imitation_paper_builds_the_four_types(tmp_path):
    user = _writer()
    corpus = _write(tmp_path, [user])
    curated = CuratedSet(
        styles={
            user.user_id: Style(
                record_id="style:w",
                user_id=user.user_id,
                platform="reddit",
                source_post_ids=[],
                style="Short plain sentences; counts days.",
            )
        },
        post_summaries={
            "reddit:t3_w0": PostSummary(
                record_id="ps:w0",
                user_id=user.user_id,
                platform="reddit",
                source_post_ids=["reddit:t3_w0"],
                summary="A coastal walk diary.",
            )
        },
    )
    examples, skipped = _made("writing_imitation", TaskInputs(corpus, curated))
    assert not skipped
    by_type = Counter(e.meta["variant"] for e in examples)
    assert by_type == {t: 5 for t in ("history_topic", "history_completion", "style_topic", "style_completion")}
    posts = {p.post_id: p.text for p in user.posts}
    for e in examples:
        ask, target = e.messages[0]["content"], e.reference
        assert [m["role"] for m in e.messages] == ["user", "assistant"]
        assert f"about {words_target(target)} words" in ask
        source = posts[e.meta["source_posts"][0]]
        if e.meta["variant"].endswith("topic"):
            assert target == source and target not in ask
        else:
            front = re.search(r"unfinished post:\n------\n(.*?)\n------", ask, re.S).group(1)
            assert f"{front} {target}" == source and 0.3 <= len(front.split()) / len(source.split()) <= 0.7
        if e.meta["variant"].startswith("history"):
            shown = len(re.findall(r"\nPost \d+:\n", ask))
            assert 1 <= shown <= 4 and source not in ask  # 1-5 others, never the target itself
        else:
            assert "Short plain sentences" in ask and "Post 1:" not in ask
    topics = {
        e.meta["source_posts"][0]: e.messages[0]["content"] for e in examples if e.meta["variant"] == "style_topic"
    }
    assert "A coastal walk diary." in topics["reddit:t3_w0"] and "Trip 3" in topics["reddit:t3_w3"]


def test_writing_imitation_paper_without_curation_skips_style_types_with_a_reason(tmp_path):
    corpus = _write(tmp_path, [_writer(2)])
    examples, skipped = _made("writing_imitation", TaskInputs(corpus))
    assert not {e.meta["variant"] for e in examples} & {"style_topic", "style_completion"}
    reasons = Counter(s.reason for s in skipped)
    assert reasons == {"no_style": 4, "too_few_posts": 4}  # 2 posts: under min_posts for the history types


def test_writing_imitation_caps_per_platform_and_type(tmp_path):
    corpus = _write(tmp_path, [_writer(8)])
    examples, skipped = _made("writing_imitation", TaskInputs(corpus), cap_per_type=3)
    assert Counter(e.meta["variant"] for e in examples) == {"history_topic": 3, "history_completion": 3}
    assert Counter(s.reason for s in skipped)["cap_per_type"] == 10


def test_compact_writing_imitation_is_todays_format(tmp_path):
    corpus = _write(tmp_path, [_writer()])
    examples, _ = _made("writing_imitation", TaskInputs(corpus), format="compact")
    assert examples and all([m["role"] for m in e.messages] == ["system", "user", "assistant"] for e in examples)
    assert {e.meta["variant"] for e in examples} <= {"history_topic", "history_half"}


def test_paper_helpers():
    assert words_target("one two three") == "10" and words_target(" ".join(["w"] * 44)) == "40"
    assert token_count("Hi, there!") == 4
    assert random_split("too short", random.Random(0)) is None


# --- personalized commenting -----------------------------------------------------------------------


def _commenters(n_comments: int = 4) -> tuple[list[UserRecord], list[Thread]]:
    threads = [
        Thread(thread_id=f"t3_th{i}", title=f"Thread {i}", text=f"Body of thread {i}.", author="poster")
        for i in range(n_comments)
    ]
    comments = [
        Post(
            post_id=f"reddit:t1_c{i}",
            platform="reddit",
            kind="comment",
            author="fan",
            text=f"Comment {i}: " + "I tried this route last spring and loved every single mile of it. " * 2,
            created_at=1_600_000_000 + i,
            meta={"link_id": f"t3_th{i}"},
        )
        for i in range(n_comments)
    ]
    return [UserRecord(user_id="reddit:fan", platform="reddit", posts=comments)], threads


def test_commenting_paper_format(tmp_path):
    users, threads = _commenters()
    corpus = _write(tmp_path, users, threads=threads)
    uid = "reddit:fan"
    curated = CuratedSet(
        posts={
            p.post_id: CleanedPost(post_id=p.post_id, user_id=uid, platform="reddit", kind="comment", text=p.text)
            for p in users[0].posts
        },
        personas={
            uid: Persona(
                record_id="persona:fan",
                user_id=uid,
                platform="reddit",
                source_post_ids=[],
                persona="A hiker who loves long routes.",
            )
        },
        profile_paragraphs={
            uid: ProfileParagraph(
                record_id="pp:fan",
                user_id=uid,
                platform="reddit",
                source_post_ids=[],
                profile="A longer profile of the hiker.",
            )
        },
    )
    examples, skipped = _made("personalized_commenting", TaskInputs(corpus, curated))
    assert len(examples) == 4 and not skipped
    for e in examples:
        ask = e.messages[0]["content"]
        assert [m["role"] for m in e.messages] == ["user", "assistant"] and e.reference not in ask
        assert "A hiker who loves" in ask or "A longer profile" in ask
        n = e.meta["thread_id"][-1]
        assert f"Thread {n}\n\nBody of thread {n}." in ask and e.quoted_users == ["reddit:poster"]
        assert 1 <= len(re.findall(r"\nComment \d+:\n", ask)) <= 3  # other comments of the user only
    short, skipped = _made("personalized_commenting", TaskInputs(corpus, curated), min_target_tokens=100)
    assert not short and Counter(s.reason for s in skipped) == {"target_length": 4}


def test_commenting_paper_skips_users_curation_kept_no_persona_for(tmp_path):
    users, threads = _commenters()
    corpus = _write(tmp_path, users, threads=threads)
    posts = {
        p.post_id: CleanedPost(post_id=p.post_id, user_id="reddit:fan", platform="reddit", kind="comment", text=p.text)
        for p in users[0].posts
    }
    examples, skipped = _made("personalized_commenting", TaskInputs(corpus, CuratedSet(posts=posts)))
    assert not examples and Counter(s.reason for s in skipped) == {"no_persona": 4}
    raw, _ = _made("personalized_commenting", TaskInputs(corpus))  # synthesis=raw: no persona block
    assert len(raw) == 4 and "The user:\n" not in raw[0].messages[0]["content"]
    few, skipped = _made(
        "personalized_commenting", TaskInputs(_write(tmp_path / "few", _commenters(2)[0], threads=threads))
    )
    assert not few and Counter(s.reason for s in skipped) == {"too_few_comments": 2}
