"""The dump formats users hold: Amazon 2018/2014 and 2023 schemas (detected per file), Twitter API v1.1 and v2
beside twitter100m, placeholder values, a platform nothing of which parses, and list-valued source keys.

Every file here is written by the test, in the public schemas (field names and shapes as the releases
have them).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from humanllm.data.candidate import UnreadableSource
from humanllm.data.config import (
    AmazonCategory,
    BloggerSource,
    FiltersConfig,
    RedditSource,
    SourcesConfig,
    TwitterSource,
)
from humanllm.data.loaders import load_platform
from humanllm.data.loaders.amazon import load_amazon
from humanllm.data.loaders.blogger import load_blogger
from humanllm.data.loaders.reddit import load_reddit
from humanllm.data.loaders.rows import unset
from humanllm.data.loaders.twitter import load_twitter
from humanllm.data.rawio import read_json_lines
from humanllm.data.rules import twitter_rules
from humanllm.schema import ConfigError


def jsonl(path: Path, rows: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def by_id(loaded) -> dict:
    return {c.record_id: c for c in loaded.candidates}


REVIEWS_2018 = [
    {
        "overall": 5.0,
        "verified": True,
        "reviewTime": "09 4, 2015",
        "reviewerID": "A1",
        "asin": "B01",
        "style": {"Size:": " Big Boys", "Color:": " Blue"},
        "reviewerName": "T. B.",
        "reviewText": "Great &amp; cheap",
        "summary": "Five Stars",
        "unixReviewTime": 1441324800,
        "vote": "1,234",
    },
    {
        "overall": 2.0,
        "verified": False,
        "reviewTime": "11 27, 2013",
        "reviewerID": "A2",
        "asin": "B02",
        "reviewText": "Broke after a week",
        "summary": "Meh",
    },  # no unixReviewTime: reviewTime is read
    {"overall": 4.0, "reviewerID": "A3", "asin": "B01", "summary": "ok"},  # no time at all
]
META_2018 = [
    {
        "asin": "B01",
        "title": "Kids Sneaker",
        "category": ["Clothing", "Shoes"],
        "brand": "Acme",
        "description": ["Light.", "<b>Durable</b>"],
        "feature": ["Rubber sole"],
        "main_cat": "Fashion",
        "price": "$9.99",
    },
    {"asin": "B02", "title": "Kettle", "category": [], "brand": "", "description": []},
]


def test_amazon_2018_reviews_and_meta_load_and_join(tmp_path):
    reviews = jsonl(tmp_path / "Clothing_5.json", REVIEWS_2018)
    meta = jsonl(tmp_path / "meta_Clothing.json", META_2018)
    out = load_amazon([AmazonCategory(reviews=[reviews], meta=[meta])])
    assert out.formats == ["item schema 2018 (meta_Clothing.json)", "review schema 2018 (Clothing_5.json)"]
    got = by_id(out)
    first = got["amazon:A1:B01:1441324800"].post
    assert (first.author, first.title, first.text, first.created_at) == (
        "A1",
        "Five Stars",
        "Great & cheap",
        1441324800,
    )
    assert first.meta["rating"] == 5.0 and first.meta["helpful_vote"] == 1234 and first.meta["verified_purchase"]
    assert first.meta["style"] == {"Size": "Big Boys", "Color": "Blue"} and first.meta["category"] == "Clothing"
    assert got["amazon:A2:B02:1385510400"].post.created_at == 1385510400  # "11 27, 2013", month first
    [(kind, no_time)] = out.failures
    assert (kind, no_time.reason, no_time.line, no_time.user_id) == (
        "review",
        "missing_field",
        3,
        "amazon:A3",
    )
    items = {c.item.item_id: c.item for c in out.candidates if c.kind == "item"}
    assert set(items) == {"B01", "B02"}
    assert items["B01"].meta["store"] == "Acme" and items["B01"].meta["categories"] == ["Clothing", "Shoes"]
    assert items["B01"].meta["description"] == ["Light.", "Durable"] and items["B01"].meta["features"] == [
        "Rubber sole"
    ]
    assert "store" not in items["B02"].meta  # brand "" is no brand
    joined = [c for c in out.candidates if c.kind == "review" and c.post.meta["parent_asin"] in items]
    assert len(joined) == 2  # reviews meet their meta on asin


def test_amazon_2014_helpful_pairs_read_as_votes(tmp_path):
    row = {
        "reviewerID": "A9",
        "asin": "X1",
        "reviewerName": "n",
        "helpful": [3, 4],
        "reviewText": "fine",
        "overall": 4.0,
        "summary": "good",
        "unixReviewTime": 1393545600,
        "reviewTime": "02 28, 2014",
    }
    out = load_amazon([AmazonCategory(reviews=[jsonl(tmp_path / "Musical_Instruments_5.json", [row])])])
    [cand] = out.candidates
    assert cand.post.meta["helpful_vote"] == 3 and cand.post.meta["category"] == "Musical_Instruments"


def test_amazon_2023_still_loads_beside_2018(tmp_path):
    review = {
        "rating": 4.0,
        "title": "Nice",
        "text": "Works",
        "asin": "B0C",
        "parent_asin": "B0P",
        "user_id": "AG1",
        "timestamp": 1588687728923,
        "helpful_vote": 2,
        "verified_purchase": True,
    }
    item = {
        "main_category": "All Beauty",
        "title": "Brush",
        "parent_asin": "B0P",
        "features": [],
        "description": [],
    }
    out = load_amazon(
        [
            AmazonCategory(
                reviews=[jsonl(tmp_path / "Beauty.jsonl", [review])],
                meta=[jsonl(tmp_path / "meta_Beauty.jsonl", [item])],
            ),
            AmazonCategory(reviews=[jsonl(tmp_path / "Old_5.json", REVIEWS_2018[:1])]),
        ]
    )
    assert out.formats == [
        "item schema 2023 (meta_Beauty.jsonl)",
        "review schema 2023 (Beauty.jsonl)",
        "review schema 2018 (Old_5.json)",
    ]
    post = by_id(out)["amazon:AG1:B0P:1588687728923"].post
    assert post.created_at == 1588687728 and post.meta["parent_asin"] == "B0P" and not out.failures


def test_a_file_of_no_known_layout_is_an_error_naming_it(tmp_path):
    odd = jsonl(tmp_path / "Toys.jsonl", [{"customer": "c1", "product": "p1", "stars": 5}])
    with pytest.raises(
        UnreadableSource,
        match=r"Toys\.jsonl: not a known Amazon review layout \(its records have "
        r"the keys customer, product, stars\); expected Amazon Reviews 2023",
    ):
        load_amazon([AmazonCategory(reviews=[odd])])


V1_USER = {
    "id": 673483,
    "id_str": "673483",
    "screen_name": "dewitt",
    "name": "DeWitt",
    "verified": True,
    "followers_count": 1200,
    "description": "Seattle",
    "location": "WA",
}
V1_TWEETS = [
    {
        "created_at": "Thu Dec 10 20:53:00 +0000 2015",
        "id": 675055636267298821,
        "id_str": "675055636267298821",
        "text": "Consider Seattle.",
        "user": V1_USER,
        "retweet_count": 2,
        "favorite_count": 6,
        "in_reply_to_status_id_str": None,
    },
    {
        "created_at": "Thu Dec 10 21:00:00 +0000 2015",
        "id_str": "675055636267298822",
        "truncated": True,
        "text": "RT @pattymo: I could watch this for hou\u2026",
        "user": V1_USER,
        "retweet_count": 2358,
        "retweeted_status": {
            "id_str": "674659346127679488",
            "text": "I could watch this for hours and I might",
            "user": {"screen_name": "pattymo", "id_str": "1"},
        },
    },
    {
        "created_at": "Thu Dec 10 21:05:00 +0000 2015",
        "id_str": "675055636267298823",
        "full_text": "@jack agreed, and more",
        "in_reply_to_status_id_str": "42",
        "in_reply_to_screen_name": "jack",
        "user": V1_USER,
    },
    {
        "created_at": "Thu Dec 10 21:06:00 +0000 2015",
        "id_str": "675055636267298824",
        "truncated": True,
        "text": "A long one\u2026",
        "extended_tweet": {"full_text": "A long one, in full."},
        "user": V1_USER,
    },
]


def test_twitter_v1_jsonl_and_json_list_read_alike_with_marks(tmp_path):
    lines = load_twitter(TwitterSource(tweets=[jsonl(tmp_path / "timeline.jsonl", V1_TWEETS)]))
    listed_path = tmp_path / "timeline.json"
    listed_path.write_text(json.dumps(V1_TWEETS, indent=2), encoding="utf-8")  # as the API returns a timeline
    listed = load_twitter(TwitterSource(tweets=[str(listed_path)]))
    for out in (lines, listed):
        assert not out.failures and out.formats[0].startswith("tweet schema v1.1")
        tweets = {c.record_id: c.post for c in out.candidates if c.kind == "tweet"}
        assert tweets["twitter:675055636267298821"].created_at == 1449780780
        assert tweets["twitter:675055636267298821"].meta["likes"] == 6
        retweet = tweets["twitter:675055636267298822"]
        assert retweet.text == "RT @pattymo: I could watch this for hours and I might"
        assert retweet.meta["retweet_of"] == "674659346127679488"
        reply = tweets["twitter:675055636267298823"]
        assert reply.text.startswith("@jack ") and reply.meta["reply_to"] == "42" and "retweet_of" not in reply.meta
        assert tweets["twitter:675055636267298824"].text == "A long one, in full."
        [profile] = [c for c in out.candidates if c.kind == "profile"]
        assert profile.author == "dewitt" and profile.attributes["followers"] == 1200 and profile.attributes["verified"]
        decisions = twitter_rules(out.candidates, FiltersConfig())
        assert decisions["twitter:675055636267298822"] == (
            "retweet",
            None,
        )  # the rule twitter100m retweets meet
    starts = [json.dumps(V1_TWEETS, indent=2).split("\n").index("  {") + 1]
    assert next(c.line for c in listed.candidates if c.kind == "tweet") == starts[0]


def v2_page(tweets: list[dict], users: list[dict], referenced: list[dict]) -> dict:
    return {
        "data": tweets,
        "includes": {"users": users, "tweets": referenced},
        "meta": {"result_count": len(tweets)},
        "__twarc": {"url": "https://api.twitter.com/2/tweets/search"},
    }


def test_twitter_v2_twarc_pages_attach_authors_and_mark_retweets_and_replies(tmp_path):
    users = [
        {
            "id": "11",
            "username": "lachi",
            "verified": False,
            "public_metrics": {"followers_count": 7},
            "description": "hi",
        },
        {"id": "22", "username": "bibaigna96"},
    ]
    original = {"id": "900", "text": "#POIUYTREWQ and the rest of it", "author_id": "22"}
    page1 = v2_page(
        [
            {
                "id": "1001",
                "text": "RT @bibaigna96: #POIUYTREWQ and the\u2026",
                "author_id": "11",
                "created_at": "2021-05-18T19:24:56.000Z",
                "referenced_tweets": [{"type": "retweeted", "id": "900"}],
                "public_metrics": {"retweet_count": 1, "reply_count": 0, "like_count": 3, "quote_count": 0},
            },
            {
                "id": "1002",
                "text": "@bibaigna96 yes!",
                "author_id": "11",
                "created_at": "2021-05-18T19:30:00.000Z",
                "referenced_tweets": [{"type": "replied_to", "id": "900"}],
                "in_reply_to_user_id": "22",
            },
        ],
        users,
        [original],
    )
    page2 = v2_page(
        [
            {"text": "no id here", "author_id": "11"},
            {"id": "1003", "text": "own words", "author_id": "11", "created_at": "2021-05-19T00:00:00Z"},
        ],
        users[:1],
        [],
    )
    out = load_twitter(TwitterSource(tweets=[jsonl(tmp_path / "search.jsonl", [page1, page2])]))
    assert out.formats == ["tweet schema v2 (search.jsonl)"]
    tweets = {c.record_id: c.post for c in out.candidates if c.kind == "tweet"}
    assert set(tweets) == {"twitter:1001", "twitter:1002", "twitter:1003"}
    assert {p.author for p in tweets.values()} == {"lachi"}
    assert tweets["twitter:1001"].text == "RT @bibaigna96: #POIUYTREWQ and the rest of it"
    assert tweets["twitter:1001"].meta == {
        "likes": 3,
        "retweets": 1,
        "replies": 0,
        "quotes": 0,
        "retweet_of": "900",
    }
    assert tweets["twitter:1002"].meta["reply_to"] == "900" and tweets["twitter:1002"].created_at == 1621366200
    [(_, missing)] = out.failures
    assert (missing.reason, missing.detail, missing.line) == ("missing_field", "id", 2)
    assert missing.record_id.endswith("search.jsonl:2#0")  # unique though a page holds several tweets
    [profile] = [c for c in out.candidates if c.kind == "profile"]
    assert profile.author == "lachi" and profile.attributes["followers"] == 7
    assert twitter_rules(out.candidates, FiltersConfig())["twitter:1001"] == ("retweet", None)


def test_twitter_v2_flat_lines_and_v1_json_list_in_one_source(tmp_path):
    flat = {
        "id": "5",
        "text": "flat tweet text",
        "author_id": "11",
        "created_at": "2021-04-08T18:54:16.000Z",
        "author": {"id": "11", "username": "alex", "public_metrics": {"followers_count": 3}},
    }
    listed = tmp_path / "home.json"
    listed.write_text(json.dumps(V1_TWEETS[:1]), encoding="utf-8")
    out = load_twitter(TwitterSource(tweets=[jsonl(tmp_path / "flat.jsonl", [flat]), str(listed)]))
    assert out.formats == ["tweet schema v2 (flat.jsonl)", "tweet schema v1.1 (home.json)"]
    assert {c.author for c in out.candidates if c.kind == "profile"} == {"alex", "dewitt"}


def test_placeholders_are_unset_the_same_way_in_every_loader(tmp_path):
    assert [unset(v) for v in ("null", "None", "NULL", " nan ", "NaN", "", float("nan"))] == [None] * 7
    assert [unset(v) for v in ("none at all", "N/A", 0, "0", False)] == ["none at all", "N/A", 0, "0", False]

    subs = [
        {
            "id": "a1",
            "author": "u1",
            "title": "T",
            "selftext": "null",
            "score": "NaN",
            "created_utc": "None",
            "distinguished": "None",
        },
        {"id": "a2", "author": "None", "title": "T2", "selftext": "x"},
    ]
    reddit = load_reddit(RedditSource(submissions=[jsonl(tmp_path / "RS.jsonl", subs)]))
    post = by_id(reddit)["reddit:t3_a1"].post
    assert (post.text, post.created_at, post.meta["score"], post.meta["distinguished"]) == ("", None, 0, None)
    assert [(r.reason, r.detail) for _, r in reddit.failures] == [("missing_field", "author")]

    rows = [{"user": "ann", "id": 7, "tweet": "hello", "date": "NULL", "likes": "nan", "retweets": ""}]
    twitter = load_twitter(TwitterSource(tweets=[jsonl(tmp_path / "tweets.jsonl", rows)]))
    tweet = by_id(twitter)["twitter:7"].post
    assert tweet.created_at is None and tweet.meta["likes"] == tweet.meta["retweets"] == 0
    v1 = dict(V1_TWEETS[0], user=dict(V1_USER, location="None", description="null"))
    api = load_twitter(TwitterSource(tweets=[jsonl(tmp_path / "v1.jsonl", [v1])]))
    [profile] = [c for c in api.candidates if c.kind == "profile"]
    assert profile.attributes["location"] == profile.attributes["description"] == ""

    review = dict(REVIEWS_2018[0], overall="NaN", summary="null", vote="None")
    amazon = load_amazon([AmazonCategory(reviews=[jsonl(tmp_path / "A_5.json", [review])])])
    [cand] = amazon.candidates
    assert (cand.post.meta["rating"], cand.post.title, cand.post.meta["helpful_vote"]) == (None, None, 0)

    blog = tmp_path / "1234.male.25.Student.Leo.xml"
    blog.write_text("<Blog>\n<date>null</date>\n<post>None</post>\n<date>14,May,2004</date>\n<post>hi</post>\n</Blog>")
    blogger = load_blogger(BloggerSource(files=[str(blog)]))
    first, second = blogger.candidates
    assert (first.post.text, first.post.created_at, first.post.meta["date"]) == ("", None, None)
    assert second.post.created_at == 1084492800


def test_a_platform_whose_every_record_fails_to_parse_is_an_error(tmp_path):
    no_time = [{"user_id": f"U{i}", "asin": "B1", "text": "t", "rating": 5} for i in range(4)]
    path = jsonl(tmp_path / "Books.jsonl", no_time)
    sources = SourcesConfig(amazon=[AmazonCategory(reviews=[path])])
    with pytest.raises(UnreadableSource) as err:
        load_platform("amazon", sources)
    message = str(err.value)
    assert "data.sources.amazon: all 4 raw records were rejected while parsing" in message
    assert f"{path}: 4 missing_field (e.g. line 1: timestamp)" in message
    assert "read as: review schema 2023 (Books.jsonl)" in message and "expected: Amazon Reviews 2023" in message
    good = jsonl(tmp_path / "More.jsonl", [dict(no_time[0], timestamp=1588687728923)])
    ok = load_platform("amazon", SourcesConfig(amazon=[AmazonCategory(reviews=[path, good])]))
    assert len(ok.candidates) == 1 and len(ok.failures) == 4  # one good record: its rejects are findings, not fatal


def test_the_data_command_fails_on_a_platform_nothing_of_which_parses(tmp_path, capsys):
    from humanllm.cli import main

    path = jsonl(tmp_path / "tweets.jsonl", [{"user": "ann", "tweet": f"text {i}"} for i in range(3)])  # no id
    code = main(
        [
            "data",
            "data=real",
            f"paths.artifacts={tmp_path}/a",
            f"paths.results={tmp_path}/r",
            "data.sources.reddit=null",
            "data.sources.blogger=null",
            "data.sources.amazon=null",
            f"data.sources.twitter={{tweets: [{path}], users: []}}",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "data.sources.twitter: all 3 raw records were rejected while parsing" in err
    assert "tweets.jsonl: 3 missing_field (e.g. line 1: id)" in err and "expected: twitter100m" in err
    assert not list((tmp_path / "a").glob("corpus/*/users.jsonl"))  # no empty corpus was published


def test_json_list_files_keep_line_numbers_and_report_a_cut(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text('[\n  {"id": 1},\n  {"id": 2},\n  7,\n  {"id": 3', encoding="utf-8")
    rows = list(read_json_lines(path))
    assert [(r.line, r.data, r.item) for r in rows[:3]] == [
        (2, {"id": 1}, 0),
        (3, {"id": 2}, 1),
        (4, None, 2),
    ]
    assert rows[2].error == "not_an_object: int" and rows[3].error.startswith("malformed_json") and len(rows) == 4


def test_list_valued_source_keys_name_the_list_and_its_shape():
    from humanllm.config import load_config

    with pytest.raises(ConfigError) as err:
        load_config(["data=real", "data.sources.amazon.categories=x"])
    message = str(err.value)
    assert message.startswith("data.sources.amazon: is a list of 2 entries")
    assert "no 'categories' in it" in message and "invalid literal" not in message
    assert "expected shape: data.sources.amazon=[{category: Books, reviews: [" in message
    assert "data.sources.amazon.0.category=..." in message
    with pytest.raises(ConfigError, match=r"data\.sources\.amazon: is a list of 2 entries; .* has no entry 5"):
        load_config(["data=real", "data.sources.amazon.5.reviews=[x]"])
    with pytest.raises(ConfigError, match=r"data\.sources\.amazon: must be a list of categories; expected shape"):
        load_config(["data=real", "data.sources.amazon=x"])
