"""The PII gates skip detectors cheaply but never change what is scrubbed."""

from __future__ import annotations

from humanllm.bench.pii_planted import held_out_set, planted_set
from humanllm.data.config import PiiConfig
from humanllm.data.pii import Scrubber

EDGE_CASES = [
    "call 555-0134 ext 12 or 020 7946 0958",
    "ring +44 7700 900123 now",
    "jo [AT] mail [DOT] fm",
    "jo at mail dot com",
    "my nAME iS Ana",
    "people CALL me Ed",
    "i go\nby ted",
    "İG: bob_12",
    "ſcreen name: bob_1",
    "12 Elm Street, Austin TX 78701",
    "P.O. Box 12",
    "12b baker st",
    "see WWW.site.org",
    "ping @carl_9 and u/dave",
    "IG bob.smith",
    "my gamertag is x_y_z",
    "no pii in here at all",
    "born 1984, 12 years",
    "id 1000331 wrote",
    "my name’s Ana",
    "I'm Named Bo",
    "i am CALLED Zed",
    "my real name\tis Kim",
    "Everyone calls  me Bo",
    "name's Al",
    "(555) 123-4567",
    "+1 555 123 4567",
    "x(555) 123-4567",
    "tel 0207 946 0958.",
    "thanks Trail_Mix_Tom2!",
    "cc john.DOE1 and x1000331",
    "ab-12 said",
]
KNOWN = ("1000331", "trail_mix_tom2", "John.Doe1", "ab-12")


def _ungated(known: tuple[str, ...] = ()) -> Scrubber:
    s = Scrubber(PiiConfig(), known)
    s.detectors = [(lambda text, low: True, find) for _, find in s.detectors]
    return s


def test_gates_keep_every_detection():
    for text in EDGE_CASES:
        assert Scrubber(PiiConfig(), KNOWN).spans(text) == _ungated(KNOWN).spans(text), text
    for item in planted_set(per_category=40) + held_out_set():
        assert Scrubber(PiiConfig(), item.known_authors).spans(item.text) == _ungated(item.known_authors).spans(
            item.text
        ), item.text


def test_gates_skip_detectors_on_plain_text():
    calls: list[str] = []
    s = Scrubber(PiiConfig(), ["1000331"])
    s.detectors = [(gate, lambda text, f=find: calls.append(f.__name__) or f(text)) for gate, find in s.detectors]
    s.spans("a quiet afternoon reading in the garden with tea")
    assert calls == []
    s.spans("call 415 555 0134 or mail me@x.org, 1000331")
    assert {"find_phones", "find_emails", "_find_known"} <= set(calls)


def test_phone_numbers_of_exactly_seven_digits_are_found():
    """The shortest numbers a detector takes: the >= 7 digit prefilter must not drop them."""
    s = Scrubber(PiiConfig())
    for text, number in [
        ("tel. 030 1234", "030 1234"),
        ("ring +44 20 794", "+44 20 794"),
        ("ph 0770 9001", "0770 9001"),
        ("call 0123 456!", "0123 456"),
    ]:
        assert s(text) == text.replace(number, "[PHONE]"), text
