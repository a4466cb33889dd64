"""A seeded planted set: sentences with one known piece of PII each, and PII-free sentences full of
look-alikes (versions, dates, prices, scores, model numbers, street-ish phrases).

A regression test, not a measure (`planted_regression` in results/bench/pii.json; the headline is the
independent set of pii_independent.py). It was written alongside the scrubber: its forms match the
scrubber's rules one for one; username items in the "thanks to X" / "as X said" / "X posted" forms pass X
to the scrubber as a known author; the PII-free part is each of the 40 PII_FREE sentences twice, with and
without a prefix, and the same list is what tests/test_pii.py checks look-alikes on. It checks that the
rules still do what they were written to do.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

CATEGORIES = ("email", "phone", "url", "handle", "username", "address", "name")

FIRST = [
    "john",
    "maria",
    "wei",
    "aisha",
    "liam",
    "sofia",
    "dmitri",
    "priya",
    "kwame",
    "emma",
    "jose",
    "yuki",
    "fatima",
    "noah",
    "chloe",
    "oluwaseun",
    "ana",
    "lars",
    "mei",
    "omar",
]
LAST = [
    "smith",
    "garcia",
    "chen",
    "okafor",
    "murphy",
    "rossi",
    "ivanov",
    "patel",
    "mensah",
    "brown",
    "lopez",
    "tanaka",
    "haddad",
    "wilson",
    "dubois",
    "adeyemi",
    "silva",
    "berg",
    "wong",
    "farouk",
]
WORDS = [
    "trail",
    "mix",
    "night",
    "owl",
    "pixel",
    "river",
    "storm",
    "maple",
    "echo",
    "lucky",
    "rusty",
    "blue",
    "coffee",
    "panda",
    "ghost",
    "wander",
    "salty",
    "quiet",
    "retro",
    "ninja",
]
DOMAINS = [
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "protonmail.com",
    "mail.co.uk",
    "uni-heidelberg.de",
    "company.io",
    "hotmail.fr",
    "fastmail.fm",
    "icloud.com",
]
STREETS = [
    "Elm",
    "Main",
    "Oak",
    "Maple",
    "Baker",
    "Pennsylvania",
    "Sunset",
    "Martin Luther King Jr",
    "Park",
    "Willow Creek",
    "5th",
    "42nd",
    "Church",
    "High",
    "Mill Pond",
    "Cedar",
]
SUFFIXES = [
    "Street",
    "St.",
    "Avenue",
    "Ave",
    "Road",
    "Rd.",
    "Boulevard",
    "Blvd",
    "Lane",
    "Drive",
    "Court",
    "Place",
    "Way",
    "Terrace",
]
CITIES = [
    ("Springfield", "IL", "62704"),
    ("Austin", "TX", "78701"),
    ("Portland", "OR", "97205"),
    ("Brooklyn", "NY", "11201"),
    ("San Diego", "CA", "92101"),
    ("Columbus", "OH", "43215"),
]
UK = [("London", "SW1A 2AA"), ("Manchester", "M1 1AE"), ("Leeds", "LS1 4DY"), ("Bristol", "BS1 5TR")]
SITES = ["instagram", "discord", "steam", "twitch", "tiktok", "snapchat", "psn", "github"]


@dataclass(frozen=True)
class Planted:
    category: str  # one of CATEGORIES, or "none" for a PII-free sentence
    text: str
    value: str  # the planted PII ("" for PII-free text)
    known_authors: tuple[str, ...] = ()  # author names of the dump the sentence came from


def _email(r: random.Random) -> str:
    f, last, d = r.choice(FIRST), r.choice(LAST), r.choice(DOMAINS)
    user = r.choice(
        [
            f"{f}.{last}",
            f"{f}{last}{r.randint(1, 99)}",
            f"{f[0]}{last}",
            f"{f}_{last}",
            f"{f}+news",
            f"{last}.{f}.{r.randint(70, 99)}",
        ]
    )
    if r.random() < 0.15:
        return r.choice(
            [
                f"{user} [at] {d.replace('.', ' [dot] ')}",
                f"{user} (at) {d.split('.')[0]} (dot) com",
                f"{user} at {d.split('.')[0]} dot com",
            ]
        )
    return f"{user}@{d}" if r.random() < 0.8 else f"{user.capitalize()}@{d.upper()}"


def _phone(r: random.Random) -> str:
    a, b, c = r.randint(201, 989), r.randint(200, 999), r.randint(0, 9999)
    return r.choice(
        [
            f"({a}) {b}-{c:04d}",
            f"{a}-{b}-{c:04d}",
            f"{a}.{b}.{c:04d}",
            f"{a} {b} {c:04d}",
            f"+1 {a} {b} {c:04d}",
            f"+1-{a}-{b}-{c:04d}",
            f"1-800-{b}-{c:04d}",
            f"({a}) {b}-{c:04d} ext. {r.randint(1, 999)}",
            f"+44 20 7946 {r.randint(0, 9999):04d}",
            f"+44 7700 900{r.randint(0, 999):03d}",
            f"07700 900{r.randint(0, 999):03d}",
            f"020 7946 {r.randint(0, 9999):04d}",
            f"+49 30 {r.randint(1000000, 99999999)}",
            f"+33 1 {r.randint(10, 99)} {r.randint(10, 99)} {r.randint(10, 99)} {r.randint(10, 99)}",
            f"+61 2 {r.randint(8000, 9999)} {r.randint(1000, 9999)}",
            f"+91 98{r.randint(100, 999)} {r.randint(10000, 99999)}",
            f"+34 612 {r.randint(100, 999)} {r.randint(100, 999)}",
        ]
    )


def _url(r: random.Random) -> str:
    w1, w2 = r.choice(WORDS), r.choice(WORDS)
    return r.choice(
        [
            f"https://www.{w1}{w2}.com/{w1}/{r.randint(100, 999)}",
            f"http://{w1}-{w2}.org",
            f"www.{w1}{w2}.net/about",
            f"https://github.com/{w1}{w2}{r.randint(1, 99)}",
            f"{w1}{w2}.blogspot.com",
            f"https://bit.ly/{w1[:3]}{r.randint(1000, 9999)}",
            f"https://{w1}.substack.com/p/{w2}-{w1}",
            f"{w1}{w2}.io",
            f"https://photos.{w1}.co.uk/album?id={r.randint(1, 999)}",
        ]
    )


def _handle(r: random.Random) -> str:
    w1, w2 = r.choice(WORDS), r.choice(WORDS)
    name = r.choice(
        [
            f"{w1}_{w2}",
            f"{w1}{w2}{r.randint(1, 999)}",
            f"{w1.capitalize()}{w2.capitalize()}",
            f"{r.choice(FIRST)}_{r.choice(LAST)}",
        ]
    )
    return r.choice([f"@{name}", f"u/{name}", f"/u/{name}", f"@{name}"])


def _username(r: random.Random) -> tuple[str, str, tuple[str, ...]]:
    """(sentence, username, known authors): cued usernames and mentions of authors in the same dump."""
    w1, w2 = r.choice(WORDS), r.choice(WORDS)
    user = r.choice(
        [
            f"{w1}_{w2}{r.randint(1, 99)}",
            f"{w1}{w2}{r.randint(10, 999)}",
            f"x{w1.capitalize()}{w2.capitalize()}x",
            f"{r.choice(FIRST)}.{r.choice(LAST)}",
            f"{w1}-{w2}",
            f"{w1.capitalize()}{w2.capitalize()}",
        ]
    )
    site = r.choice(SITES)
    forms = [
        f"my username is {user} if you want to add me",
        f"Username: {user}",
        f"my {site} is {user}, say hi",
        f"find me on {site} as {user} most evenings",
        f"IG: {user}",
        f"my gamertag is {user} btw",
        f"add me on discord: {user}#{r.randint(1000, 9999)}",
        f"my handle everywhere is {user}.",
        f"thanks to {user} for the tip",
        f"{user} posted the same thing last week",
        f"as {user} said, it works",
    ]
    form = r.choice(forms)
    known = (user,) if form.startswith(("thanks", user, "as ")) else ()
    value = form.split("discord: ", 1)[1] if "#" in form else user  # a Discord tag is part of the name
    return form, value, known


def _address(r: random.Random) -> str:
    num = r.choice([str(r.randint(1, 9999)), f"{r.randint(1, 400)}B", str(r.randint(10, 99999))])
    street = f"{r.choice(['', '', 'N ', 'West '])}{r.choice(STREETS)} {r.choice(SUFFIXES)}"
    unit = r.choice(
        ["", "", f", Apt {r.randint(1, 40)}{r.choice('ABC')}", f" Suite {r.randint(100, 900)}", f" #{r.randint(2, 30)}"]
    )
    if r.random() < 0.25:
        city, code = r.choice(UK)
        return f"{num} {street}, {city} {code}"
    city, state, zipc = r.choice(CITIES)
    tail = r.choice(["", f", {city}", f", {city}, {state} {zipc}", f", {city} {state} {zipc}"])
    base = f"{num} {street}{unit}{tail}"
    if r.random() < 0.1:
        return f"PO Box {r.randint(10, 9999)}"
    return base.lower() if r.random() < 0.1 else base


def _name(r: random.Random) -> tuple[str, str]:
    f, last = r.choice(FIRST).capitalize(), r.choice(LAST).capitalize()
    name = r.choice(
        [
            f"{f} {last}",
            f,
            f"{f} {last}-{r.choice(LAST).capitalize()}",
            f"{f} O'{last}",
            f"{f} {r.choice(FIRST).capitalize()} {last}",
        ]
    )
    intro = r.choice(
        [
            "my name is",
            "My name is",
            "Hi, my name is",
            "my name's",
            "My real name is",
            "my full name is",
            "Hello! My name is",
            "Everyone calls me",
            "you can call me",
        ]
    )
    if r.random() < 0.15:
        name = name.split()[0].lower()
        return f"{intro} {name}, and", name
    return f"{intro} {name} and", name


PREFIXES = ["Honestly,", "Update:", "Long story short,", "For anyone asking,", "Quick note -", "Ok so", "", "PS:"]
SUFFIXES_TEXT = [
    "thanks!",
    "cheers.",
    "I'll answer questions later.",
    "happy to help.",
    "lol",
    "see you there!",
    "no spam please.",
    "it has been a long week.",
]

PII_FREE = [
    "Upgraded to Python 3.11.4 and numpy 1.26.2; build 10.0.19045.3693 still crashes.",
    "The meetup moved from 2024-01-15 to 01/22/2024 at 10:30-11:45 because of snow.",
    "Paid $1,299.99 for the laptop and €45,50 for the bag, about 1,234,567 won in total.",
    "Final score 3-2 after extra time; the 2023-2024 season was rough.",
    "Read pages 123-145 of the ISBN 978-0-306-40615-7 edition before Sept 12, 2023.",
    "My RTX 4090 runs at 1080p 240Hz; the old GTX 1060 managed 60 fps.",
    "We walked 3 blocks down Main Street and then 2 miles along the river.",
    "Route 66 and Highway 101 are both on my list, as is Area 51.",
    "My name is not important here, the recipe is.",
    "Call me maybe later, I'm busy with chapter 12 section 3.",
    "I'm 5'11\" and weigh 180 lbs; my 20/20 vision is gone.",
    "Open 24/7, closed on 12/25; the coordinates are 40.7128, -74.0060.",
    "Boeing 737 MAX flights were cancelled; Apollo 11 launched in 1969.",
    "Meet @ 5pm by the fountain, bring 2 chairs.",
    "Ping @everyone when the build (v2.0.0-rc1) passes.",
    "I used C# and F# at work; the repo has 4,821 stars.",
    "Ran a 10k in 52:13, my best since 2019.",
    "The recipe needs 250 g flour, 3 eggs and 1.5 tsp salt at 180 °C.",
    "Order 12345678 shipped; tracking says 2-3 business days.",
    "The temperature dropped from 72 to 38 degrees overnight.",
    "Studio 54 and Room 237 are famous for different reasons.",
    "She moved to New York in 2015 and to Austin, Texas in 2020.",
    "I give this 4.5/5 stars; it was 30% off at $19.99.",
    "Windows 11 22H2 and macOS 14.2.1 both fail the same test.",
    "My street is quiet; the main road is 5 minutes away.",
    "The 3 main points were cost, time and quality.",
    "Section 8.2.1 of the spec says the limit is 65535 bytes.",
    "Flight UA 1234 departs gate B22 at 06:45 on 3/14.",
    "Between 1990 and 2000 the population grew 12.5%.",
    "My handle on life is slipping, my name is mud this week.",
    "The file is called config.yaml and the script is run.py.",
    "Version 2.14.4 of pydantic fixed issue 8765.",
    "I rated it 9/10; season 3 episode 7 is the best.",
    "Serial number SN-4455-7788-99 is printed on the back.",
    "We live 2 doors down from the bakery on the corner.",
    "Great product, 5 stars, would buy again for 49.99.",
    "I signed up for the 5K on 10/05 and the half marathon in May.",
    "The phone's battery lasts 18 hours at 60% brightness.",
    "At 3:00 am the alarm went off twice.",
    "IP ratings like IP68 matter more than the 6.1 inch screen.",
]


def planted_set(per_category: int = 200, seed: int = 2025) -> list[Planted]:
    """`per_category` sentences for each PII category, then the PII-free sentences (each with a prefix/suffix)."""
    r = random.Random(seed)
    out: list[Planted] = []
    contexts = {
        "email": ["email me at {v}", "my email is {v} if you need the file", "contact: {v}", "send it to {v} please"],
        "phone": ["call me at {v}", "my cell is {v}", "text {v} after 6", "phone: {v}", "reach us on {v} anytime"],
        "url": ["pics are at {v}", "check out {v} for the pattern", "source: {v}", "I wrote about it here {v}"],
        "handle": ["shoutout to {v} for the idea", "{v} you were right", "ask {v}, they know", "cc {v}"],
        "address": [
            "I live at {v}",
            "ship it to {v}",
            "the party is at {v} on Saturday",
            "we moved to {v} last year",
            "send mail to {v}",
        ],
    }
    for category in CATEGORIES:
        for _ in range(per_category):
            pre, post, known = r.choice(PREFIXES), r.choice(SUFFIXES_TEXT), ()
            if category == "username":
                body, value, known = _username(r)
            elif category == "name":
                body, value = _name(r)
            else:
                value = {"email": _email, "phone": _phone, "url": _url, "handle": _handle, "address": _address}[
                    category
                ](r)
                body = r.choice(contexts[category]).format(v=value)
            text = " ".join(p for p in (pre, body, post) if p)
            out.append(Planted(category, text, value, tuple(known)))
    for sentence in PII_FREE:
        for pre in ("", r.choice(PREFIXES)):
            out.append(Planted("none", f"{pre} {sentence}".strip(), ""))
    return out


# Written by hand apart from the generator and not tuned on: (category, text, planted value).
HELD_OUT: list[tuple[str, str, str]] = [
    ("email", "hit me up: Kat.Nguyen_92@Gmail.com or whatever", "Kat.Nguyen_92@Gmail.com"),
    ("email", "Resume sent from dr.r.okoye@med.ox.ac.uk yesterday.", "dr.r.okoye@med.ox.ac.uk"),
    ("email", "write to tomasz {at} poczta {dot} pl for the files", "tomasz {at} poczta {dot} pl"),
    ("email", "my addy is j.doe1985(at)hotmail(dot)com lol", "j.doe1985(at)hotmail(dot)com"),
    ("phone", "my number's 917 555 2368, text don't call", "917 555 2368"),
    ("phone", "Landline: +44 (0)161 496 0753 (office hours)", "+44 (0)161 496 0753"),
    ("phone", "WhatsApp me on +31 6 1234 5678.", "+31 6 1234 5678"),
    ("phone", "our shop: 03-1234-5678 (Tokyo)", "03-1234-5678"),
    ("phone", "call 1 (888) 555-0101 and ask for billing", "1 (888) 555-0101"),
    ("phone", "tel. 0612345678 after 5pm", "0612345678"),
    (
        "url",
        "Full writeup on my blog: janesbakes.wordpress.com/2019/sourdough",
        "janesbakes.wordpress.com/2019/sourdough",
    ),
    ("url", "Portfolio -> https://behance.net/mgarcia_design", "https://behance.net/mgarcia_design"),
    ("url", "vid here: youtu.be/dQw4w9WgXcQ", "youtu.be/dQw4w9WgXcQ"),
    ("url", "my etsy shop (etsy.com/shop/KnotsByNell) restocked", "etsy.com/shop/KnotsByNell"),
    ("handle", "DM me on insta @nell.knits for the pattern", "@nell.knits"),
    ("handle", "lmao @Dave_from_Accounts you did it again", "@Dave_from_Accounts"),
    ("handle", "credit to /u/throwaway_84213 for the fix", "/u/throwaway_84213"),
    ("handle", "thanks u/Sourdough-Sam!", "u/Sourdough-Sam"),
    ("username", "my xbox gamertag: PurpleRain1999", "PurpleRain1999"),
    ("username", "Steam ID is sneakyfox_uk, add me", "sneakyfox_uk"),
    ("username", "my snap is kayleigh.b22 if you want updates", "kayleigh.b22"),
    ("username", "I go by QuietLibrarian on most forums", "QuietLibrarian"),
    ("username", "twitch: grandma_plays_doom, streaming tonight", "grandma_plays_doom"),
    ("address", "Come by 1428 Elm St, Springwood, OH 45039 anytime", "1428 Elm St, Springwood, OH 45039"),
    ("address", "Mail checks to PO Box 4471, Tulsa OK 74159.", "PO Box 4471, Tulsa OK 74159"),
    ("address", "we're at 12 Grimmauld Place, London NW1 4RJ now", "12 Grimmauld Place, London NW1 4RJ"),
    ("address", "the house at 742 Evergreen Terrace is finally sold", "742 Evergreen Terrace"),
    (
        "address",
        "moving to 55 W 46th St Apt 12C, New York, NY 10036 in June",
        "55 W 46th St Apt 12C, New York, NY 10036",
    ),
    ("address", "drop it at 9 rue de la Paix, Paris 75002 please", "9 rue de la Paix, Paris 75002"),
    ("name", "Hey all, my name is Daniela Cruz-Ramírez and I teach 3rd grade.", "Daniela Cruz-Ramírez"),
    ("name", "my name is tom and i'm new here", "tom"),
    ("name", "Hi! I'm Priyanka, longtime lurker.", "Priyanka"),
    ("name", "My name's Bartholomew but everyone says Bart.", "Bartholomew"),
    ("name", "Hello, I am Dr. Helen Park, a pediatrician.", "Helen Park"),
    ("none", "Tested on Ubuntu 22.04.3 LTS with kernel 6.5.0-14-generic.", ""),
    ("none", "Bought it on 11/29 for $849; it's 15.6 in and 4.2 lbs.", ""),
    ("none", "The 76ers won 112-104 and the Knicks lost 98-101.", ""),
    ("none", "Call me crazy, but 2 cups of sugar is too much.", ""),
    ("none", "My name is on the waitlist for the 2025 cohort.", ""),
    ("none", "Take the 101 north, exit 23, then left onto the main road.", ""),
    ("none", "Error code 0x80070005 at line 1,204 of setup.log.", ""),
    ("none", "Chapter 7: 300 Spartans, 1 pass, 3 days.", ""),
    ("none", "The @Override annotation and C++17 std::optional both help.", ""),
    ("none", "Case No. 2:19-cv-01234 was dismissed in March.", ""),
    ("none", "Dial 911 in an emergency, or 112 in Europe.", ""),
    ("none", "ETA 14:30 GMT, platform 9 3/4, coach B seat 42.", ""),
]


def held_out_set() -> list[Planted]:
    return [Planted(c, t, v) for c, t, v in HELD_OUT]
