"""Word banks for the sample personas: topics (with their vocabulary), jobs, towns, quirks."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    name: str
    community: str  # subreddit name
    things: tuple[str, ...]
    activities: tuple[str, ...]  # past tense, after "I"
    places: tuple[str, ...]
    opinions: tuple[str, ...]
    plans: tuple[str, ...]  # after "I want to"
    products: tuple[str, ...] = ()  # Amazon catalog nouns
    category: str | None = None  # Amazon category


def _t(name, community, things, activities, places, opinions, plans, products=(), category=None) -> Topic:
    return Topic(
        name,
        community,
        tuple(things),
        tuple(activities),
        tuple(places),
        tuple(opinions),
        tuple(plans),
        tuple(products),
        category,
    )


SPORTS, HOME = "Sports_and_Outdoors", "Home_and_Kitchen"

TOPICS: dict[str, Topic] = {
    t.name: t
    for t in [
        _t(
            "hiking",
            "hiking",
            ["my trekking poles", "a battered 40-litre pack", "a cheap water filter", "a paper map"],
            [
                "hiked the ridge loop before sunrise",
                "did a two-day section of the long trail",
                "scouted a new trail past the reservoir",
            ],
            ["the old fire lookout", "the lake loop", "the north ridge"],
            [
                "cotton socks are a trap",
                "weekday mornings beat any weekend crowd",
                "you should carry more water than you think",
            ],
            ["finish the whole ridge traverse", "try a winter overnight"],
            ["Trekking Poles", "Hydration Pack", "Hiking Socks", "Water Filter", "Headlamp", "Trail Gaiters"],
            SPORTS,
        ),
        _t(
            "cycling",
            "bicycling",
            ["my old steel touring bike", "a new set of tubeless tyres", "a frame bag"],
            [
                "rode a hundred kilometres along the river",
                "commuted by bike every day this week",
                "climbed the hill everyone complains about",
            ],
            ["the river path", "the long climb out of town", "the gravel roads east of the bridge"],
            [
                "a comfortable saddle matters more than a light frame",
                "drivers are nicer when you signal clearly",
                "gravel riding is the most fun you can have on two wheels",
            ],
            ["ride a full century", "build a wheel from scratch"],
            ["Bike Lights", "Saddle Bag", "Mini Pump", "Cycling Gloves", "Chain Lube", "Bike Lock"],
            SPORTS,
        ),
        _t(
            "running",
            "running",
            ["my worn-out trainers", "a cheap sports watch", "a running belt"],
            ["ran my first half marathon", "did hill repeats in the rain", "finally broke my 5k record"],
            ["the park loop", "the track behind the school", "the canal towpath"],
            [
                "easy runs should feel embarrassingly easy",
                "rest days are part of training",
                "new shoes will not fix a bad plan",
            ],
            ["run a full marathon", "join the Saturday parkrun crew"],
            ["Running Belt", "Compression Socks", "Foam Roller", "Reflective Vest", "Sweatband Set", "Running Cap"],
            SPORTS,
        ),
        _t(
            "fishing",
            "Fishing",
            ["my grandfather's fly rod", "a tackle box full of mystery lures", "waders that leak a little"],
            [
                "caught a decent trout on a dry fly",
                "spent a whole morning on the pier",
                "tied my own flies for the first time",
            ],
            ["the creek below the dam", "the public pier", "the quiet bend of the river"],
            [
                "patience beats expensive gear",
                "catch and release is the only way on small streams",
                "the best fishing happens right after rain",
            ],
            ["try saltwater fly fishing", "teach my nephew to cast"],
            ["Fly Box", "Fishing Line", "Tackle Bag", "Polarized Sunglasses", "Landing Net", "Fishing Pliers"],
            SPORTS,
        ),
        _t(
            "camping",
            "camping",
            ["a two-person tent", "an old camp stove", "a sleeping pad that squeaks"],
            [
                "spent three nights at a walk-in campsite",
                "cooked a full breakfast over the fire",
                "camped in the rain and stayed dry",
            ],
            ["the walk-in sites by the lake", "the state forest", "a campground up the coast"],
            [
                "a good sleeping pad matters more than the bag",
                "leave the campsite cleaner than you found it",
                "cast iron is worth the weight for car camping",
            ],
            ["do a solo canoe camping trip", "camp somewhere with real dark skies"],
            ["Camping Lantern", "Sleeping Pad", "Camp Stove", "Dry Bag", "Camp Chair", "Tent Footprint"],
            SPORTS,
        ),
        _t(
            "baking",
            "Breadit",
            ["my sourdough starter", "a cast iron dutch oven", "a kitchen scale"],
            [
                "baked a country loaf with an open crumb",
                "made croissants from scratch",
                "fed my starter twice a day all week",
            ],
            ["my tiny kitchen", "the farmers market stall", "my mother's kitchen"],
            [
                "weighing flour is non-negotiable",
                "most bread recipes under-salt",
                "a hot oven solves half your problems",
            ],
            ["bake a proper rye", "sell loaves at the market"],
            ["Dutch Oven", "Bread Lame", "Proofing Basket", "Kitchen Scale", "Bench Scraper", "Baking Steel"],
            HOME,
        ),
        _t(
            "coffee",
            "Coffee",
            ["a hand grinder", "a secondhand espresso machine", "a gooseneck kettle"],
            [
                "dialled in a new bag of Ethiopian beans",
                "roasted my own beans in a popcorn maker",
                "tried every cafe on the high street",
            ],
            ["the little roastery downtown", "my kitchen counter", "the cafe near the station"],
            ["the grinder matters more than the machine", "dark roast hides bad beans", "fresh beans beat fancy gear"],
            ["learn latte art properly", "visit a coffee farm"],
            [
                "Burr Coffee Grinder",
                "Pour Over Dripper",
                "Gooseneck Kettle",
                "Milk Frother",
                "Coffee Scale",
                "French Press",
            ],
            HOME,
        ),
        _t(
            "cooking",
            "Cooking",
            ["a carbon steel wok", "my grandmother's recipe cards", "a very sharp chef's knife"],
            [
                "cooked a five-course dinner for friends",
                "made stock from a week of vegetable scraps",
                "finally nailed a proper curry",
            ],
            ["my kitchen", "my sister's place", "the community kitchen"],
            [
                "salt, fat and acid fix almost everything",
                "a sharp knife is safer than a dull one",
                "recipes are suggestions, not laws",
            ],
            ["master hand-pulled noodles", "cook through a whole regional cookbook"],
            ["Carbon Steel Wok", "Chef Knife", "Cutting Board", "Spice Grinder", "Cast Iron Skillet", "Stock Pot"],
            HOME,
        ),
        _t(
            "home brewing",
            "Homebrewing",
            ["a five-gallon fermenter", "a hydrometer", "a wort chiller"],
            ["brewed an oatmeal stout", "bottled forty pints of pale ale", "tried a wild yeast ferment"],
            ["the garage", "the homebrew club meeting", "my basement"],
            [
                "sanitation is ninety percent of brewing",
                "temperature control beats any fancy recipe",
                "the first batch is always too sweet",
            ],
            ["enter a homebrew competition", "brew a proper lager"],
            [
                "Fermenter Bucket",
                "Hydrometer Kit",
                "Bottle Capper",
                "Wort Chiller",
                "Brewing Thermometer",
                "Airlock Set",
            ],
            HOME,
        ),
        _t(
            "gardening",
            "gardening",
            ["raised beds I built myself", "a compost heap", "seed packets from a swap"],
            ["planted out forty tomato seedlings", "dug a new bed for the squash", "saved seeds from my best beans"],
            ["my allotment", "the back garden", "the community garden"],
            [
                "good soil matters more than anything you plant in it",
                "slugs are the real enemy",
                "grow what you actually like to eat",
            ],
            ["grow everything for one summer meal", "build a small greenhouse"],
            ["Garden Kneeler", "Pruning Shears", "Watering Can", "Seed Starter Tray", "Garden Gloves", "Compost Bin"],
            HOME,
        ),
        _t(
            "chess",
            "chess",
            ["a wooden travel board", "an opening book with a cracked spine", "a chess clock"],
            ["played a six-hour tournament", "lost a winning endgame on time", "studied rook endings all evening"],
            ["the club in the library basement", "the park tables", "my kitchen table"],
            [
                "endgames matter more than openings",
                "blitz is fun but teaches bad habits",
                "analyse your losses, not your wins",
            ],
            ["reach a 1600 rating", "play in a weekend open"],
        ),
        _t(
            "birdwatching",
            "birding",
            ["binoculars I saved up for", "a dog-eared field guide", "a notebook of sightings"],
            [
                "spotted a kingfisher at dawn",
                "counted birds for the winter survey",
                "heard my first cuckoo of the year",
            ],
            ["the marsh reserve", "the estuary hide", "the woods behind the school"],
            [
                "you hear most birds before you see them",
                "early mornings are worth the lost sleep",
                "patience gets you more than expensive optics",
            ],
            ["see a hundred species in one year", "learn birdsong properly"],
        ),
        _t(
            "woodworking",
            "woodworking",
            ["a secondhand table saw", "hand planes from a flea market", "a pile of reclaimed oak"],
            ["built a bookshelf without screws", "cut my first dovetail joints", "restored an old workbench"],
            ["my garage workshop", "the makerspace", "my dad's shed"],
            [
                "measure twice and cut once is not a joke",
                "sharp tools are safe tools",
                "reclaimed wood has more character",
            ],
            ["build a dining table", "make a rocking chair"],
        ),
        _t(
            "photography",
            "photography",
            ["an old film camera", "a fifty millimetre lens", "a cheap tripod"],
            [
                "shot a whole roll at the harbour",
                "photographed the street market at golden hour",
                "developed my own film",
            ],
            ["the harbour", "the old town", "the train station"],
            ["light matters more than the camera", "shoot a lot and delete a lot", "film slows you down in a good way"],
            ["put on a small exhibition", "shoot a full year of one street"],
        ),
        _t(
            "astronomy",
            "astronomy",
            ["a secondhand telescope", "a red torch", "a star chart app"],
            [
                "watched Saturn's rings through the telescope",
                "stayed up for the meteor shower",
                "found the Andromeda galaxy",
            ],
            ["the dark field outside town", "my back yard", "the observatory open night"],
            ["binoculars are the best first telescope", "light pollution is a tragedy", "patience is the main skill"],
            ["photograph a nebula", "see a total eclipse"],
        ),
        _t(
            "board games",
            "boardgames",
            ["a shelf of board games", "a game that takes four hours", "dice I bought at a convention"],
            [
                "hosted a game night for eight people",
                "finally won a long strategy game",
                "taught my parents a new card game",
            ],
            ["the game cafe", "our living room", "the convention hall"],
            [
                "the best games are the ones that get played",
                "rules explanations should take ten minutes max",
                "cooperative games are underrated",
            ],
            ["design my own game", "go to a big convention"],
        ),
        _t(
            "knitting",
            "knitting",
            ["a basket of wool", "bamboo needles", "a pattern book from the library"],
            ["finished my first cardigan", "knitted socks for the whole family", "tried colourwork for the first time"],
            ["the knitting circle", "the train to work", "my favourite armchair"],
            ["swatching saves heartbreak", "good wool is worth the money", "mistakes give a piece character"],
            ["knit a full jumper", "spin my own yarn"],
        ),
        _t(
            "retro gaming",
            "retrogaming",
            ["a CRT television", "a box of old cartridges", "a rebuilt controller"],
            ["beat a platformer I gave up on as a kid", "fixed a broken console", "streamed an old RPG"],
            ["my spare room", "the retro game shop", "the flea market"],
            ["old games respect your time", "CRTs really do look better", "nostalgia is half the fun"],
            ["finish every game I owned as a kid", "restore an arcade cabinet"],
        ),
    ]
}

AMAZON_CATEGORIES = {
    SPORTS: [n for n, t in TOPICS.items() if t.category == SPORTS],
    HOME: [n for n, t in TOPICS.items() if t.category == HOME],
}

FIRST_NAMES = (
    "Tom Maya Ben Priya Jake Sofia Liam Aisha Owen Chloe Marcus Hana Diego Grace Ravi Elena Sam Nora Felix "
    "Zara Caleb Mei Jonah Lucia Ethan Amara Noah Ingrid Theo Rosa Victor Leah Isaac Yuki Mateo Fiona "
    "Kwame Iris Ezra Talia Hugo Nadia Omar Clara Rohan Wendy Luca Beth Arjun Dana"
).split()
SURNAMES = (
    "Walsh Okafor Lindqvist Moreno Patel Nguyen Becker Kowalski Haddad Sullivan Tanaka Rossi Mensah "
    "Fischer Duarte Novak Brennan Kaur Ibarra Holm Adeyemi Varga Lopez Sato Murphy"
).split()
TOWNS = (
    "Duluth, Minnesota|Leeds|Tucson, Arizona|Halifax, Nova Scotia|Bristol|Boise, Idaho|Cork|Asheville, North Carolina|"
    "Dundee|Spokane, Washington|Ballarat|Madison, Wisconsin|Norwich|Flagstaff, Arizona|Galway|Burlington, Vermont|"
    "Hamilton, Ontario|Exeter|Chattanooga, Tennessee|Dunedin|Savannah, Georgia|Aberdeen|Eugene, Oregon|Wollongong|"
    "Albuquerque, New Mexico|Sheffield|Portland, Maine|Tromso|Lancaster, Pennsylvania|Nelson"
).split("|")
JOBS = [
    ("ER nurse", "the hospital", "Health Care"),
    ("high school chemistry teacher", "school", "Education"),
    ("long-haul truck driver", "the depot", "Transportation"),
    ("pastry chef", "the bakery", "Food"),
    ("software tester", "the office", "Technology"),
    ("veterinary technician", "the clinic", "Science"),
    ("electrician", "the job site", "Construction"),
    ("librarian", "the library", "Education"),
    ("firefighter", "the station", "Government"),
    ("accountant", "the firm", "Accounting"),
    ("bus driver", "the depot", "Transportation"),
    ("physiotherapist", "the practice", "Health Care"),
    ("graphic designer", "the studio", "Arts"),
    ("postal worker", "the sorting office", "Government"),
    ("dental hygienist", "the practice", "Health Care"),
    ("civil engineer", "the site office", "Engineering"),
    ("barista", "the cafe", "Food"),
    ("paralegal", "the law firm", "Law"),
    ("park ranger", "the visitor centre", "Government"),
    ("museum curator", "the museum", "Arts"),
    ("welder", "the workshop", "Manufacturing"),
    ("social worker", "the council office", "Non-Profit"),
    ("pharmacist", "the pharmacy", "Health Care"),
    ("carpenter", "the workshop", "Construction"),
    ("data analyst", "the office", "Technology"),
    ("florist", "the shop", "Retail"),
    ("air traffic controller", "the tower", "Transportation"),
    ("radio producer", "the station", "Communications-Media"),
    ("lab technician", "the lab", "Science"),
    ("primary school teacher", "school", "Education"),
]
FAMILY = [
    "my two teenage daughters",
    "my husband",
    "my wife",
    "my flatmate",
    "my younger brother",
    "my partner",
    "my mum",
    "my grandad",
    "my three kids",
    "my girlfriend",
    "my boyfriend",
    "my roommates",
]
PETS = [
    "a one-eyed cat named Pickles",
    "an old greyhound called Biscuit",
    "a very loud parrot named Kevin",
    "two rescue rabbits",
    "a lazy beagle named Waffles",
    "a tortoise called Gerald",
    "a tabby called Mustard",
    "a border collie named Scout",
    "nobody but a houseplant called Steve",
    "a grumpy ginger cat named Toast",
]
CATCHPHRASES = [
    "onward and upward",
    "slow and steady wins it",
    "every day's a school day",
    "no rain, no rainbows",
    "work with what you've got",
    "you live and you learn",
    "small steps, big views",
    "that's the beauty of it",
    "keep it simple",
    "better late than never",
    "good enough is good enough",
    "one thing at a time",
    "trust the process",
    "fortune favours the curious",
    "leave it better than you found it",
]
QUIRKS = (
    "signoff",
    "lowercase",
    "ellipsis",
    "exclaim",
    "british",
    "asides",
    "tldr",
    "question",
    "smiley",
    "formal",
    "dashes",
    "lists",
)
SIGNS = "Aries Taurus Gemini Cancer Leo Virgo Libra Scorpio Sagittarius Capricorn Aquarius Pisces".split()
