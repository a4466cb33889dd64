"""Unit checks of the leakage measure's parts on hand-made texts, in milliseconds: window edges, which texts
count as whose (and as LLM-derived or not), how curated records are found and rendered, the laundering rule
across several held-out posts, and the exact Leak reported. Written against the mutants that
`humanllm bench mutation` found tests/test_leakage.py let pass."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace as NS

from pydantic import BaseModel

from humanllm.task.base import TaskExample
from humanllm.task.leakage import Leak, authored_texts, curated_records, find_leaks, held_out_only_windows, windows


class Record(BaseModel):
    record_id: str
    user_id: str
    kind: str = "profile"
    when: dt.datetime
    summary: str


def test_a_text_of_exactly_n_words_has_one_window():
    assert windows("a b c", 3) == {("a", "b", "c")}
    assert windows("a b\nc d", 3) == set()  # never across lines
    assert windows("A, b! c d", 3) == {("a", "b", "c"), ("b", "c", "d")}


def test_authored_texts_attributes_every_text():
    corpus = NS(
        users=[NS(user_id="reddit:u1", posts=[NS(title=None, text="body one"), NS(title="T", text="two")])],
        threads={"t1": NS(author="op", title="Thread", text="thread body")},
        items={"i1": NS(title="An item")},
    )
    rec = Record(record_id="r1", user_id="reddit:u1", when=dt.datetime(2020, 1, 2, 3, 4, 5), summary="likes cats")
    curated = NS(name="set", posts={"p": NS(user_id="reddit:u2", title=None, text="curated post")}, records=[rec])
    assert list(authored_texts(corpus, curated)) == [
        ("reddit:u1", "\nbody one", False),
        ("reddit:u1", "T\ntwo", False),
        ("reddit:op", "Thread\nthread body", False),
        (None, "An item", False),
        ("reddit:u2", "\ncurated post", False),
        ("reddit:u1", "2020-01-02T03:04:05\nlikes cats", True),
    ]  # json rendering, id fields left out
    assert list(authored_texts(corpus)) == list(authored_texts(corpus, None))[:4]


def test_curated_records_are_the_objects_with_an_id_and_a_user_in_any_collection():
    a = Record(record_id="a", user_id="u", when=dt.datetime(2020, 1, 1), summary="x")
    b = Record(record_id="b", user_id="v", when=dt.datetime(2020, 1, 1), summary="y")
    curated = NS(name="first attribute, not a collection", by_id={"a": a}, kept=[b, NS(record_id="c")], n=3)
    assert list(curated_records(curated)) == [a, b]


def test_a_held_out_window_repeated_in_another_users_record_still_counts_for_every_held_out_post():
    texts = [
        ("h", "alpha beta gamma", False),
        ("h", "delta epsilon zeta", False),
        ("t", "alpha beta gamma\ndelta epsilon zeta", True),  # an LLM copied both held-out posts
        ("t", "eta theta iota", False),
        ("h", "eta theta iota", False),
    ]
    assert held_out_only_windows(texts, {"h"}, n=3) == {("alpha", "beta", "gamma"), ("delta", "epsilon", "zeta")}


def test_find_leaks_reports_each_example_once_with_its_first_window():
    held = windows("b c d\nx y z", 3)
    examples = [
        TaskExample(
            example_id="e1",
            task="t",
            user_id="u1",
            messages=[{"role": "user", "content": "a b c"}, {"role": "assistant", "content": "d"}],
        ),
        TaskExample(
            example_id="e2",
            task="t",
            user_id="u2",
            messages=[{"role": "user", "content": "x y z and b c d"}, {"role": "assistant", "content": "ok"}],
        ),
    ]
    assert find_leaks(examples, held, n=3) == [Leak("e2", "u2", "b c d")]  # e1's window would span two messages
