"""PII scrubbing: personal data in kept text → placeholders ([EMAIL], [PHONE], [URL], [USER], [ADDRESS], [NAME]).

Each detector finds spans in the original text; overlapping spans are resolved (earliest, then longest)
and replaced in one pass, so one rule never sees another's placeholder. Phone numbers are found by
Google's libphonenumber (`phonenumbers`, valid numbers in several regions) plus a North-American shape
rule for numbers it deems invalid (e.g. the 555 range). Recall and precision are measured by
`humanllm bench pii` on a planted set (results/bench/pii.json).

Cost: most posts hold no PII, so each detector sits behind a gate (`GATES`), a cheap check of something
every match of that detector must contain (a digit, an "@", a cue word). A gate that fails skips the
detector; a gate never decides that a span is PII, so gating cannot lose a detection.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import phonenumbers

from humanllm.data.config import PiiConfig

PLACEHOLDER = {
    "email": "[EMAIL]",
    "url": "[URL]",
    "phone": "[PHONE]",
    "address": "[ADDRESS]",
    "name": "[NAME]",
    "username": "[USER]",
    "handle": "[USER]",
    "known_author": "[USER]",
}
PHONE_REGIONS = ("US", "GB", "DE", "FR", "IN", "AU", "CA", "ES", "IT", "BR")

_TLDS = (
    "com|org|net|edu|gov|io|co|co\\.uk|me|ly|tv|info|biz|us|uk|de|fr|ca|au|app|dev|xyz|ai|gg|blog|"
    "site|online|page|be|fm|nl|pl|es"
)
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
OBFUSCATED_EMAIL = re.compile(  # "jo [at] mail [dot] fm" (any TLD), "jo at mail dot com" (common TLDs only)
    rf"(?<![\w.+-])[\w.+-]+\s*(?:[\[({{]at[\])}}]\s*[\w-]+(?:\s*(?:[\[({{]dot[\])}}]|\.)\s*[\w-]+)*"
    rf"\s*(?:[\[({{]dot[\])}}]|\.)\s*[A-Za-z]{{2,6}}|\s+at\s+[\w-]+\s+dot\s+(?:{_TLDS}))\b",
    re.I,
)
_URL_TAIL = r"[^\s<>\"')\]]*[^\s<>\"')\].,;:!?]"  # a URL does not end in punctuation
URL = re.compile(rf"\b(?:https?://|www\.){_URL_TAIL}|\b[\w-]+(?:\.[\w-]+)*\.(?:{_TLDS})\b(?:/{_URL_TAIL})?", re.I)
NANP_PHONE = re.compile(
    r"(?<![\w/.,$€£-])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}"
    r"(?:\s?(?:ext\.?|x)\s?\d{1,5})?(?![\w/]|[.,-]\d)",
    re.I,
)
PHONE_CANDIDATE = re.compile(r"[+(]?\d[\d\s().\-/]{5,}\d(?:\s?(?:ext\.?|x)\s?\d{1,5})?", re.I)
# shapes libphonenumber may deem unassigned (e.g. the UK's drama ranges): "+44 7700 900123", "07700 900123"
INTL_PHONE = re.compile(r"(?<![\w+])\+\d{1,3}(?:[\s.-]\(?\d{1,8}\)?){1,5}(?![\w]|[.,-]\d)")
TRUNK_PHONE = re.compile(r"(?<![\w.,/-])0\d{2,4}[\s-]\d{3,4}(?:[\s-]\d{3,4})?(?![\w]|[.,/-]\d)")
HANDLE = re.compile(
    r"(?<![\w@/.])(?:@(?!(?:everyone|here|channel)\b)[A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])+|/?u/[\w-]{3,})"
)
TOKEN = re.compile(r"[\w-]+(?:\.[\w-]+)*")

# "username: x", "my gamertag is x", "IG: x", "find me on discord as x#1234"
_USERNAME_CUE = (
    r"user\s?name|handle|gamer\s?tag|screen\s?name|nick(?:name)?|ig|insta(?:gram)?|snap(?:chat)?|"
    r"discord|twitch|steam|tiktok|twitter|reddit|telegram|kik|psn|xbox(?:\s+live)?|github|tumblr|"
    r"youtube|spotify"
)
USERNAME = re.compile(
    rf"\b(?P<cue>{_USERNAME_CUE})(?:\s+(?:id|name|username|handle|tag))?"
    r"(?:\s+(?:everywhere|online|there|here|these\s+days))?"
    r"(?:\s*[:=]\s*|\s+(?:is|=|-)\s+|\s+as\s+|\s+@?(?=\S*[_\d.#]))"
    r"(?P<user>@?[A-Za-z0-9][\w.#-]{2,}[A-Za-z0-9])",
    re.I,
)
_EXPLICIT_CUES = re.compile(r"user\s?name|handle|gamer\s?tag|screen\s?name", re.I)

# "my name is Ana María López", "my name's john", "call me Ed"
NAME = re.compile(
    r"\b(?:my\s+(?:full\s+|real\s+|first\s+|last\s+|legal\s+)?name(?:\s+is|'s|’s)|i\s+am\s+called|"
    r"(?:they|people|everyone|everybody|friends)\s+calls?\s+me|i\s+go\s+by|you\s+can\s+call\s+me|call\s+me|i'?m\s+named|"
    r"name's)\s+(?P<name>[^\s,.;:!?()]+(?:\s+[^\s,.;:!?()]+){0,3})",
    re.I,
)
_NAME_PART = re.compile(r"^(?:[A-ZÀ-Þ][\w'’-]*|[a-zà-ÿ][a-zà-ÿ'’-]*)$")
NOT_NAMES = frozenset(
    "a an the not no irrelevant unimportant unknown legion nobody none anonymous different same on in at of and but "
    "or so if is was will would just really kind sort crazy old weird lame later maybe when tomorrow back again "
    "anything whatever what any please if there here also too very".split()
)
NAME_STOP = frozenset("and but or so because i im i'm we he she they it from at in on of the to for with by".split())

_STREET_SUFFIX = (
    r"street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|place|pl|way|terrace|"
    r"ter|circle|cir|parkway|pkwy|highway|hwy|square|sq|trail|trl|crescent|close|grove|row|"
    r"mews|gardens|walk|hill"
)
_UNIT = r"(?:,?\s*(?:apt\.?|apartment|suite|ste\.?|unit|flat|#)\s*[\w-]+)"
_US_STATE_ZIP = r"(?-i:,\s*[A-Z][a-z]+(?:\s[A-Z][a-z]+)?(?:,?\s*[A-Z]{2}\b)?(?:\s+\d{5}(?:-\d{4})?)?)"
_UK_POSTCODE = r"(?-i:(?:,?\s*[A-Z][a-z]+)?,?\s*[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b)"
_STREET_WORD = r"(?:[A-Z][\w'’.-]*|\d+(?:st|nd|rd|th)|[a-z][a-z'’-]+)"
# `\d(?<!\w\d)` is `\b\d` written to start with a digit, which lets the regex engine skip to digits
ADDRESS = re.compile(
    rf"(?P<num>\d(?<!\w\d)\d{{0,5}}[A-Za-z]?(?:-\d{{1,4}})?)\s+(?P<words>(?:(?:[NSEW]\.?|north|south|east|west)\s+)?"
    rf"{_STREET_WORD}(?:\s+{_STREET_WORD}){{0,4}})\s+(?:{_STREET_SUFFIX})\b\.?(?:\s+(?:[NS][EW]|[NSEW])\b\.?)?"
    rf"{_UNIT}?(?:{_UK_POSTCODE}|{_US_STATE_ZIP})?",
    re.I,
)
LOWER_TAIL = re.compile(r",\s*(?P<city>[a-z]{3,}(?:\s[a-z]{3,})?)(?:,?\s+[a-z]{2})?(?:\s+\d{5}(?:-\d{4})?)?\b")
PO_BOX = re.compile(rf"\bP\.?\s?O\.?\s+Box\s+\d{{1,6}}\b{_US_STATE_ZIP}?", re.I)
STREET_STOP = frozenset(
    "the a an of down up along on in at to from off near past by across for and more blocks block miles mile km "
    "minutes minute hours times steps feet yards doors houses streets roads way my our your his her their this "
    "that these those main-ish is was".split()
)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str  # a key of PLACEHOLDER


def handle_like(name: str, min_len: int) -> bool:
    """Names safe to scrub as bare words: long enough and not a plain word (digit, _, - or inner capital)."""
    if len(name) < min_len or name.startswith("["):
        return False
    return any(c.isdigit() or c in "_-." for c in name) or any(c.isupper() for c in name[1:])


def _username_like(token: str) -> bool:
    return any(c.isdigit() or c in "_.#-" for c in token) or any(c.isupper() for c in token[1:])


def find_emails(text: str) -> Iterator[Span]:
    for rx in (EMAIL, OBFUSCATED_EMAIL):
        yield from (Span(m.start(), m.end(), "email") for m in rx.finditer(text))


def find_urls(text: str) -> Iterator[Span]:
    yield from (Span(m.start(), m.end(), "url") for m in URL.finditer(text))


def find_phones(text: str) -> Iterator[Span]:
    """libphonenumber's valid numbers (international or national in PHONE_REGIONS) + North-American shapes.

    Every span holds >= 7 digits, and a NANP/INTL/TRUNK span lies inside one PHONE_CANDIDATE match (a maximal
    run of digits and separators), so text without a candidate of >= 7 digits holds no phone number."""
    cands = [c for c in PHONE_CANDIDATE.finditer(text) if sum(ch.isdigit() for ch in c.group()) >= 7]
    if not cands:
        return
    found = []
    for cand in cands:  # libphonenumber only sees digit runs, with some context
        lo, hi = max(cand.start() - 2, 0), min(cand.end() + 1, len(text))
        for region in PHONE_REGIONS[:1] if cand.group().startswith("+") else PHONE_REGIONS:
            hits = [
                (lo + m.start, lo + m.end)
                for m in phonenumbers.PhoneNumberMatcher(text[lo:hi], region, leniency=phonenumbers.Leniency.VALID)
            ]
            found += hits
            if hits:
                break
    found += [m.span() for rx in (NANP_PHONE, INTL_PHONE, TRUNK_PHONE) for m in rx.finditer(text)]
    for start, end in found:
        glued = start > 0 and (
            text[start - 1].isalnum() or (text[start - 1] == "-" and start > 1 and text[start - 2].isalnum())
        )
        if not glued and sum(c.isdigit() for c in text[start:end]) >= 7:  # "SN-4455-7788-99" is a serial number
            yield Span(start, end, "phone")


def find_addresses(text: str) -> Iterator[Span]:
    for m in ADDRESS.finditer(text):
        words = m.group("words").split()
        lowered = [w for w in words if w[0].islower()]
        if any(w.lower().strip(".") in STREET_STOP for w in words):
            continue
        street = text[m.start() : m.end()]
        end = m.end()
        if lowered and len(lowered) == len(words) and street != street.lower():
            continue  # lower-case street names only in all-lower-case addresses ("12 elm street")
        if street == street.lower():
            tail = LOWER_TAIL.match(text, end)  # ", austin tx 78701"
            if tail and not set(tail.group("city").split()) & (STREET_STOP | NAME_STOP | NOT_NAMES):
                end = tail.end()
        yield Span(m.start(), end, "address")
    yield from (Span(m.start(), m.end(), "address") for m in PO_BOX.finditer(text))


def find_names(text: str) -> Iterator[Span]:
    """Names right after a self-introduction: capitalised words, or one or two lower-case words that end it."""
    for m in NAME.finditer(text):
        parts = m.group("name").split()
        kept: list[str] = []
        for part in parts:
            if (
                not _NAME_PART.match(part)
                or part.lower() in NAME_STOP
                or (kept and part[0].islower() != kept[0][0].islower())
            ):
                break
            kept.append(part)
        if not kept or kept[0].lower() in NOT_NAMES:
            continue
        if kept[0][0].islower():
            kept = kept[:2]
            tail = text[m.start("name") + len(" ".join(kept)) :]
            if tail and not re.match(r"^\s*(?:[,.;:!?)]|$|\s(?:and|but|i|from|here)\b)", tail, re.I):
                continue  # "my name is mud in this town": not clearly a name
        start = m.start("name")
        yield Span(start, start + len(" ".join(kept)), "name")


def find_usernames(text: str) -> Iterator[Span]:
    for m in USERNAME.finditer(text):
        user = m.group("user")
        cued = _EXPLICIT_CUES.fullmatch(m.group("cue")) or _username_like(user.lstrip("@"))
        if cued and user.lower() not in NOT_NAMES:
            yield Span(m.start("user"), m.end("user"), "username")


def find_handles(text: str) -> Iterator[Span]:
    yield from (Span(m.start(), m.end(), "handle") for m in HANDLE.finditer(text))


def resolve(spans: Iterable[Span]) -> list[Span]:
    """Non-overlapping spans: earliest start first, the longest of those starting together."""
    chosen: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        if chosen and span.start < chosen[-1].end:
            if span.end > chosen[-1].end and span.kind == chosen[-1].kind:
                chosen[-1] = Span(chosen[-1].start, span.end, span.kind)
            continue
        chosen.append(span)
    return chosen


def replace(text: str, spans: list[Span]) -> str:
    out, pos = [], 0
    for s in spans:
        out += [text[pos : s.start], PLACEHOLDER[s.kind]]
        pos = s.end
    return "".join(out) + text[pos:]


# re.I matches these three with ASCII letters although str.lower() does not map them so
_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s"})
_DIGIT = re.compile(r"\d")
_DIGITS = re.compile(r"\d+")
_URL_GATE = re.compile(rf"https?://|www\.|\.(?:{_TLDS})\b")  # on the folded lower-case text
# every NAME cue, in the folded lower-case text: "name is", "name's", "named", "call(s) me", "called", "go by"
_NAME_GATE = re.compile(r"name(?:\s+is|['’]s|d)|calls?\s+me|called|go\s+by")
_HOUSE_NUMBER = re.compile(r"\d(?:[A-Za-z]|-\d{1,4})?\s", re.I)  # an ADDRESS match starts "12 ", "12b ", "12-3 "
_IG_CUE = re.compile(r"\big[\s:=]")  # "ig" is inside too many words for a substring test
_CUE_WORDS = (
    "user",
    "handle",
    "gamer",
    "screen",
    "nick",
    "insta",
    "snap",
    "discord",
    "twitch",
    "steam",
    "tiktok",
    "twitter",
    "reddit",
    "telegram",
    "kik",
    "psn",
    "xbox",
    "github",
    "tumblr",
    "youtube",
    "spotify",
)
Gate = Callable[[str, str], bool]  # (text, folded lower-case text) → may the detector find anything?


def _seven_digits(text: str, low: str) -> bool:
    """Every phone span holds >= 7 digits; most posts hold fewer in all."""
    m = _DIGIT.search(text)
    return m is not None and len(_DIGIT.findall(text, m.start())) >= 7


GATES: dict[str, Gate] = {
    "emails": lambda t, low: "@" in t or "dot" in low or "at]" in low or "at)" in low or "at}" in low,
    "urls": lambda t, low: _URL_GATE.search(low) is not None,
    "phones": _seven_digits,
    "addresses": lambda t, low: "box" in low or _HOUSE_NUMBER.search(t) is not None,
    "names": lambda t, low: _NAME_GATE.search(low) is not None,
    "usernames": lambda t, low: any(w in low for w in _CUE_WORDS) or _IG_CUE.search(low) is not None,
    "handles": lambda t, low: "@" in t or "u/" in t,
}


class Scrubber:
    """Applies the enabled PII rules, each behind its gate; `known` are author names of the same platform."""

    def __init__(self, cfg: PiiConfig, known: Iterable[str] = ()):
        self.cfg = cfg
        self.known = (
            {n.lower() for n in known if handle_like(n, cfg.known_author_min_len)} if cfg.known_authors else set()
        )
        # a token equal to a known name holds each [\w-] part of it as a whole run, and so each maximal digit
        # run of that part as a maximal digit run: when every name has a digit, text without one of the names'
        # digit runs cannot hold a name (blog ids, "trail_mix_tom2")
        runs = [_DIGITS.findall(n) for n in self.known]
        self._known_runs = {r for rs in runs for r in rs} if all(runs) else None
        rules = [
            ("emails", find_emails),
            ("urls", find_urls),
            ("phones", find_phones),
            ("addresses", find_addresses),
            ("names", find_names),
            ("usernames", find_usernames),
            ("handles", find_handles),
        ]
        self.detectors: list[tuple[Gate, Callable[[str], Iterator[Span]]]] = [
            (GATES[name], find) for name, find in rules if getattr(cfg, name)
        ]
        if self.known:
            self.detectors.append((self._known_gate, self._find_known))

    def _known_gate(self, text: str, low: str) -> bool:
        if self._known_runs is None:
            return True
        return not self._known_runs.isdisjoint(_DIGITS.findall(text))

    def _find_known(self, text: str) -> Iterator[Span]:
        yield from (
            Span(m.start(), m.end(), "known_author") for m in TOKEN.finditer(text) if m.group().lower() in self.known
        )

    def spans(self, text: str) -> list[Span]:
        """The PII spans that would be replaced, non-overlapping and in order."""
        low = text.translate(_FOLD).lower()
        return resolve(span for gate, find in self.detectors if gate(text, low) for span in find(text))

    def __call__(self, text: str | None) -> str | None:
        if not text or not self.cfg.enabled:
            return text
        return replace(text, self.spans(text))
