"""In-domain scoring: item-selection metrics on titles that contain one another, the log-likelihood
ranking, and representative subsets (platforms in proportion, users spread)."""

from __future__ import annotations

from collections import Counter

import pytest

from humanllm.eval.indomain import platform_of, representative_subset
from humanllm.eval.metrics import chosen_candidate, exact_choice, paper_hit
from humanllm.eval.ranking import candidate_loglikelihoods, rank_accuracy
from humanllm.task.base import TaskExample

TITLES = ["Dune Messiah", "Dune", "Children of Dune", "The Hobbit"]


def test_paper_hit_is_fooled_by_containment_and_exact_choice_is_not():
    truth = 1  # "Dune"
    assert paper_hit("Dune Messiah", "Dune") == 1.0  # the paper's rule credits the wrong book
    assert exact_choice("Dune Messiah", truth, TITLES) == 0.0
    assert exact_choice("Dune", truth, TITLES) == 1.0
    assert exact_choice('  "dune".\n because I liked it', truth, TITLES) == 1.0
    assert exact_choice("Answer: Dune", truth, TITLES) == 1.0
    assert exact_choice("Candidate 2: Dune", truth, TITLES) == 1.0
    assert exact_choice("Dune, Dune Messiah, The Hobbit", truth, TITLES) == 0.0  # listing everything
    assert paper_hit("Dune, Dune Messiah, The Hobbit", "Dune") == 1.0


def test_a_correct_answer_scores_even_when_another_title_is_inside_the_truth():
    # the old unique_hit scored 0 here because "Dune" is inside "Dune Messiah"
    assert exact_choice("Dune Messiah", 0, TITLES) == 1.0
    assert chosen_candidate("children of dune", TITLES) == 2
    assert chosen_candidate("Dune Messiah 2", TITLES) is None


def _ex(i: int, user: str, **meta) -> TaskExample:
    return TaskExample(
        example_id=f"t:{i:04d}",
        task="t",
        user_id=user,
        messages=[{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
        meta=meta,
    )


def test_subset_keeps_platform_shares_and_spreads_over_users():
    examples = (
        [_ex(i, f"reddit:u{i % 5}") for i in range(60)]  # 5 prolific users, 60 items
        + [_ex(100 + i, f"twitter:t{i}") for i in range(30)]  # 30 users, 1 each
        + [_ex(200 + i, f"blogger:b{i % 10}") for i in range(10)]
    )
    sub = representative_subset(examples, 50, seed=1)
    assert len(sub) == 50 and sub == sorted(sub, key=lambda e: e.example_id)
    per_platform = Counter(platform_of(e) for e in sub)
    assert per_platform == {"reddit": 30, "twitter": 15, "blogger": 5}
    per_user = Counter(e.user_id for e in sub if platform_of(e) == "reddit")
    assert set(per_user.values()) == {6}  # spread evenly, not the first 30 by id
    assert representative_subset(examples, 50, seed=1) == sub
    assert representative_subset(examples, 50, seed=2) != sub
    first_by_id = sorted(examples, key=lambda e: e.example_id)[:50]
    assert not any(platform_of(e) == "blogger" for e in first_by_id)  # what the old first-N did


def test_subset_gives_every_platform_a_place_and_leaves_small_sets_alone():
    examples = [_ex(i, f"reddit:u{i}") for i in range(97)] + [_ex(500, "amazon:a1"), _ex(501, "twitter:x")]
    sub = representative_subset(examples, 10, seed=0)
    assert {platform_of(e) for e in sub} == {"reddit", "amazon", "twitter"} and len(sub) == 10
    assert representative_subset(examples[:5], 10, seed=0) == examples[:5]


def test_rank_accuracy_scores_candidates_by_loglikelihood(tiny_model_dir):
    from lm_eval.models.huggingface import HFLM
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    lm = HFLM(pretrained=AutoModelForCausalLM.from_pretrained(tiny_model_dir), tokenizer=tok, batch_size=4)
    examples = [
        _ex(i, "amazon:a", candidate_titles=TITLES, true_index=i % 4, answer_title=TITLES[i % 4]) for i in range(4)
    ]
    scores = candidate_loglikelihoods(lm, tok, examples, {})
    assert [len(s) for s in scores] == [4] * 4
    assert scores[0] == scores[1]  # same prompt, same candidates: same scores
    acc = rank_accuracy(scores, examples)
    best = max(range(4), key=lambda j: scores[0][j])
    assert acc == [float(i == best) for i in range(4)]  # exactly the example whose truth ranks first
    with pytest.raises(KeyError):
        rank_accuracy(scores, [_ex(0, "amazon:a")])


@pytest.mark.parametrize("budget, min_saved", [(None, 1), (1, 1), (None, None)])
def test_shared_prefix_scores_equal_lm_evals_loglikelihood(tiny_model_dir, monkeypatch, budget, min_saved):
    """SharedPrefixHFLM gives lm-eval's own per-request (log-likelihood, is-greedy) for multi-token options,
    a context ending in whitespace as chat templates do, a single request, a context of its own, and
    contexts that share nested prefixes (an instruction, then two questions with options in two orders each;
    single-token letters) — in one batch per prefix, with a logit budget so small that every row runs alone,
    and with the default threshold for running a shared prefix on its own (these short prompts then run as
    plain rows)."""
    from lm_eval.api.instance import Instance
    from lm_eval.models.huggingface import HFLM
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from humanllm.eval import shared_prefix
    from humanllm.eval.shared_prefix import SharedPrefixHFLM

    if budget is not None:
        monkeypatch.setattr(shared_prefix, "LOGIT_BUDGET", budget)
    if min_saved is not None:
        monkeypatch.setattr(shared_prefix, "MIN_SAVED", min_saved)
    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    ctx_a = "The user liked these books: Dune, Emma, Ulysses. Which one next?\n"
    ctx_b = "Question: is the sky green?\nAnswer:"
    instruction = "Read the scenario and answer with the letter of the most likely motive.\n"
    question = instruction + "Scenario: Mia moved to a new city, knows nobody and signs up for a pottery class. Why? "
    other = instruction + "Scenario: Leo returns a gift he liked to the shop the day after his birthday. Why? "
    orders = [
        question + "Options: A. to meet people B. to sell pots C. boredom\nAnswer:",
        question + "Options: A. boredom B. to meet people C. to sell pots\nAnswer:",
        other + "Options: A. it broke B. he needs money C. it was a duplicate\nAnswer:",
        other + "Options: A. it was a duplicate B. it broke C. he needs money\nAnswer:",
    ]
    args = [(ctx_a, t) for t in ["Dune Messiah", "The Hobbit, or There and Back Again", "X", "Children of Dune"]]
    args += [(ctx_b, " yes"), (ctx_b, " no, it is blue"), ("A lonely context", " with one option")]
    args += [(o, letter) for o in orders for letter in (" A", " B", " C")]
    requests = [Instance(request_type="loglikelihood", doc={}, arguments=a, idx=i) for i, a in enumerate(args)]
    theirs = HFLM(pretrained=model, tokenizer=tok, batch_size=4, logits_cache=False).loglikelihood(requests, True)
    ours = SharedPrefixHFLM(pretrained=model, tokenizer=tok, batch_size=4).loglikelihood(requests, True)
    assert [ll for ll, _ in ours] == pytest.approx([ll for ll, _ in theirs], abs=1e-4)
    assert [g for _, g in ours] == [g for _, g in theirs]
    rows = [shared_prefix.Row(tok(o)["input_ids"], [(0, len(tok(o)["input_ids"]), [1])]) for o in orders[:2]]
    ((shared, members),) = shared_prefix.prefix_clusters(rows)  # two orders share their question
    assert sorted(members) == [0, 1] and shared >= len(tok(question)["input_ids"]) - 1
    assert len({round(ll, 3) for ll, _ in ours[:7]}) == 7  # the options really score differently


@pytest.mark.parametrize("max_length", [2048, 24])
def test_rolling_loglikelihoods_equal_lm_evals(tiny_model_dir, max_length):
    """Perplexity documents of very different lengths (and, at max_length 24, several windows each) get
    lm-eval's own per-document rolling log-likelihoods."""
    from lm_eval.api.instance import Instance
    from lm_eval.models.huggingface import HFLM
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from humanllm.eval.shared_prefix import SharedPrefixHFLM

    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    docs = [
        "Short one.",
        "A somewhat longer document about books, films and the people who like them. " * 3,
        "Medium length text on a walk in the park with a dog.",
        "Tiny",
        "The longest of them all. " * 12,
    ]
    requests = [
        Instance(request_type="loglikelihood_rolling", doc={}, arguments=(d,), idx=i) for i, d in enumerate(docs)
    ]
    theirs = HFLM(pretrained=model, tokenizer=tok, batch_size=4, max_length=max_length).loglikelihood_rolling(
        requests, True
    )
    ours = SharedPrefixHFLM(pretrained=model, tokenizer=tok, batch_size=4, max_length=max_length).loglikelihood_rolling(
        requests, True
    )
    assert ours == pytest.approx(theirs, rel=1e-5)
    assert len(set(ours)) == len(docs)


def test_batches_keep_padding_small():
    from humanllm.eval import shared_prefix

    lengths = [427, 416, 196, 133, 93, 157, 161, 91]  # token lengths of the first 8 perplexity documents
    rows = [shared_prefix.Row(list(range(n)), [(i, 1, list(range(n)))]) for i, n in enumerate(lengths)]
    batches = shared_prefix._batches(rows, vocab=10)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for b in batches:
        width, real = max(lengths[i] for i in b), sum(lengths[i] for i in b)
        assert real >= (1 - shared_prefix.MAX_PADDING) * width * len(b), [lengths[i] for i in b]
    assert any(len(b) > 1 for b in batches)  # rows of similar length still share a forward pass


def test_inputs_longer_than_the_window_are_counted_not_warned_per_request(tiny_model_dir, caplog):
    """A request longer than max_length is scored as lm-eval scores it (its first tokens cut), counted in
    `window_cuts`, and lm-eval's per-request warning is not repeated; generation cuts prompts the same way."""
    import logging

    from lm_eval.api.instance import Instance
    from lm_eval.models.huggingface import HFLM
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from humanllm.eval.generate import Truncation, generate_replies
    from humanllm.eval.shared_prefix import SharedPrefixHFLM

    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    long_ctx = "The user liked these books: " + ", ".join(TITLES * 6) + ". Which one next?\n"
    args = [(long_ctx, " Dune"), (long_ctx, " Emma"), ("Short question:", " yes")]
    requests = [Instance(request_type="loglikelihood", doc={}, arguments=a, idx=i) for i, a in enumerate(args)]
    fed = [len(tok(c)["input_ids"]) + len(tok(t)["input_ids"]) - 1 for c, t in args]
    assert fed[0] > 32 >= fed[2]
    theirs = HFLM(pretrained=model, tokenizer=tok, batch_size=4, max_length=32).loglikelihood(requests, True)
    lm = SharedPrefixHFLM(pretrained=model, tokenizer=tok, batch_size=4, max_length=32)
    lm.window_cuts = Truncation()
    assert any("exceeds model's maximum length" in r.getMessage() for r in caplog.records)  # lm-eval's, per request
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        ours = lm.loglikelihood(requests, True)
    assert [ll for ll, _ in ours] == pytest.approx([ll for ll, _ in theirs], abs=1e-4)
    assert not [r for r in caplog.records if "exceeds model's maximum length" in r.getMessage()]
    assert (lm.window_cuts.cut, lm.window_cuts.total, lm.window_cuts.max_tokens) == (2, 3, max(fed) - 32)
    note = lm.window_cuts.note("log-likelihood", "model.max_length=32")
    assert note.startswith("log-likelihood: 2 of 3 inputs were longer than model.max_length=32")
    assert Truncation().note("generation", "w") is None

    prompts = [[{"role": "user", "content": long_ctx}], [{"role": "user", "content": "Hi"}]]
    cut = Truncation()
    replies = generate_replies(model, tok, prompts, max_new_tokens=4, max_length=48, truncation=cut, progress=False)
    assert len(replies) == 2 and (cut.cut, cut.total) == (1, 2)
    kept = Truncation()
    generate_replies(model, tok, prompts, max_new_tokens=4, max_length=4096, truncation=kept, progress=False)
    assert (kept.cut, kept.total) == (0, 2)
