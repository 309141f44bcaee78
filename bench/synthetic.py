"""A synthetic postgen calendar for benchmarks: deterministic, valid, any size.

    from synthetic import make_calendar        # with bench/ on sys.path
    make_calendar(Path("/tmp/cal"), 10_000)     # mkdocs.yml, content/, assets/

or from the shell: `python bench/synthetic.py /tmp/cal --posts 10000`.

The calendar copies the shape of the example `mkdocs.yml` (nine channels on
nine platforms, timezone America/Chicago). Posts are about 1 KB each, spread
over 2027, one file per post under `content/YYYY-MM/`, with the front matter a
real calendar has: a stable id, title, date, a subset of the channels, funnel,
campaign, owner, cta, media (pointing at a few small JPEGs written under
`assets/synthetic/`: JPEG, the one format every platform takes), hashtags,
per-channel `variants:` (always a short text for SMS) and, for a few posts,
`paid:` promotion. Local times skipped or repeated by daylight saving time are
never generated, so `postgen check` passes on any size and seed.

The same `seed` and arguments always give byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import struct
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

TIMEZONE = "America/Chicago"
YEAR = 2027
BRAND_DOMAIN = "fernwoodroasters.com"
SHOP_DOMAIN = "shop.fernwoodroasters.com"

#: channel name -> (platform, account), in mkdocs.yml order.
CHANNELS: dict[str, tuple[str, str]] = {
    "linkedin": ("linkedin", "urn:li:organization:88412207"),
    "x": ("x", "@fernwoodroast"),
    "instagram": ("instagram", "fernwoodroasters"),
    "facebook": ("facebook", "104883712093551"),
    "mastodon": ("mastodon", "@fernwood@mastodon.social"),
    "bluesky": ("bluesky", "fernwoodroasters.com"),
    "threads": ("threads", "fernwoodroasters"),
    "newsletter": ("email", "hello@fernwoodroasters.com"),
    "sms": ("sms", "+13125550142"),
}
#: Channels whose platforms allow paid promotion in `paid.channels`.
PAID_CHANNELS = ("linkedin", "x", "instagram", "facebook", "threads")

#: (width, height) of the generated images: square, 4:5 portrait, 16:9 landscape.
IMAGES: dict[str, tuple[int, int]] = {
    "square-1": (1080, 1080),
    "square-2": (1080, 1080),
    "portrait-1": (1080, 1350),
    "portrait-2": (1080, 1350),
    "landscape-1": (1200, 675),
    "landscape-2": (1200, 675),
}
COLOURS = ((201, 139, 78), (47, 74, 58), (142, 59, 70), (107, 62, 38), (30, 36, 52),
           (125, 143, 105))

CAMPAIGNS = (
    "spring-launch", "summer-cold-brew", "autumn-harvest", "holiday-gifting",
    "subscription-drive", "brew-school", "wholesale", "team",
)
OWNERS = (
    "dana.whitfield@fernwoodroasters.com", "sam.ortega@fernwoodroasters.com",
    "priya.nair@fernwoodroasters.com", "leo.brandt@fernwoodroasters.com",
)
FUNNELS = ("awareness", "consideration", "conversion", "retention")
HASHTAGS = (
    "coffee", "specialtycoffee", "roastery", "pourover", "espresso", "coldbrew",
    "singleorigin", "fernwood", "chicago", "baristalife", "coffeelovers", "brewguide",
)
ADJECTIVES = (
    "Bright", "Slow", "Honest", "Seasonal", "Fresh", "Small-batch", "Weekend",
    "Morning", "Winter", "Golden", "Quiet", "Bold",
)
SUBJECTS = (
    "Ethiopian naturals", "washed Colombians", "the new espresso blend", "cold brew",
    "our roast schedule", "the pour-over", "single-origin decaf", "the cupping table",
    "holiday gift boxes", "the subscription", "our cafe partners", "latte art",
)
ANGLES = (
    "what changed this year", "a five-minute guide", "notes from the roastery",
    "behind the scenes", "the story so far", "three things to try", "ask the roaster",
    "tasting notes", "from farm to cup", "a quick how-to",
)
SENTENCES = (
    "We cupped twelve lots this week and two of them stopped the whole table.",
    "The trick is a coarser grind and a slower pour than you think you need.",
    "Every bag is roasted to order on Tuesdays and shipped the same afternoon.",
    "Our green buyer spent a month visiting the farms we have bought from for years.",
    "Water matters more than the kettle: aim for soft, filtered, just off the boil.",
    "Subscribers get the first bags of every new harvest before the shop does.",
    "Cafe partners can book a free calibration visit with our head roaster.",
    "The tasting notes are honest: stone fruit, brown sugar, a long cocoa finish.",
    "We changed the roast curve to bring out the sweetness without losing the acidity.",
    "Tell us how you brew it; the best replies end up in next month's newsletter.",
    "It keeps well for three weeks in the bag; after that, grind a little finer.",
    "Ten percent of every bag sold this month goes to the farmers' school fund.",
)
LINK_TEXTS = ("the full guide", "the shop", "our brew notes", "the harvest page", "the blog")
LINK_PATHS = ("brew-guides", "harvest", "subscription", "wholesale", "journal", "gifts")
COMMENTS = (
    "The full story is behind the link in our bio.",
    "Which one are you brewing this weekend? Tell us below.",
    "Tag a friend who needs better coffee.",
)
CTA_TEXTS = ("Shop now", "Read the guide", "Subscribe", "Book a visit", "Taste it first")


def make_calendar(
    root: Path, n_posts: int, *, channels_per_post: int = 4, seed: int = 0
) -> None:
    """Write a valid calendar of `n_posts` posts under `root` (created if needed).

    Existing files with the same names are overwritten; nothing else is removed.
    """
    if n_posts < 0:
        raise ValueError("n_posts must be >= 0")
    if not 1 <= channels_per_post <= len(CHANNELS):
        raise ValueError(f"channels_per_post must be between 1 and {len(CHANNELS)}")
    root.mkdir(parents=True, exist_ok=True)
    (root / "mkdocs.yml").write_text(mkdocs_yml(), encoding="utf-8")
    (root / "calendar").mkdir(exist_ok=True)  # the MkDocs docs_dir
    images = _write_images(root / "assets" / "synthetic")
    rng = random.Random(seed)
    tz = ZoneInfo(TIMEZONE)
    content = root / "content"
    for i in range(n_posts):
        when = _post_time(rng, i, n_posts, tz)
        title, slug = _title(rng)
        post_id = f"{when:%Y-%m-%d}-{slug}-{i + 1}"
        folder = content / f"{when:%Y-%m}"
        folder.mkdir(parents=True, exist_ok=True)
        text = _post(rng, post_id, title, when, channels_per_post, images)
        (folder / f"{slug}-{i + 1}.md").write_text(text, encoding="utf-8")


def mkdocs_yml() -> str:
    """The config: the example calendar's structure, the postgen plugin entry."""
    lines = [
        "# A synthetic calendar for benchmarks (bench/synthetic.py).",
        "site_name: Synthetic calendar",
        "docs_dir: calendar",
        "site_dir: site",
        "",
        "plugins:",
        "  - postgen:",
        f"      timezone: {TIMEZONE}",
        "      content_dir: content",
        "      brand:",
        "        name: Fernwood Coffee Roasters",
        f"        domains: [{BRAND_DOMAIN}, {SHOP_DOMAIN}]",
        "      channels:",
    ]
    for name, (platform, account) in CHANNELS.items():
        lines += [
            f"        {name}:",
            f"          platform: {platform}",
            f"          account: {_q(account)}",
            "          publisher: outbox",
        ]
    lines += [
        "      utm:",
        "        medium:",
        "          default: social",
        "          email: email",
        "          sms: sms",
        "      approval:",
        "        required: true",
        f"        reviewers: [{OWNERS[0]}, {OWNERS[1]}]",
        "        min_approvals: 1",
        "      publish:",
        "        grace: 2h",
    ]
    return "\n".join(lines) + "\n"


# -- posts ----------------------------------------------------------------------


def _post_time(rng: random.Random, i: int, n: int, tz: ZoneInfo) -> datetime:
    """Post i's local time: days spread evenly over the year, hours 06:00-21:45."""
    start = date(YEAR, 1, 1)
    days = (date(YEAR + 1, 1, 1) - start).days
    day = start + timedelta(days=i * days // max(n, 1))
    while True:
        clock = time(rng.randrange(6, 22), rng.choice((0, 15, 30, 45)))
        naive = datetime.combine(day, clock)
        if _exists_once(naive, tz):
            return naive


def _exists_once(naive: datetime, tz: ZoneInfo) -> bool:
    """False for wall times a DST change skips (spring) or repeats (autumn)."""
    early, late = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    if early.utcoffset() != late.utcoffset():
        return False
    return early.astimezone(ZoneInfo("UTC")).astimezone(tz).replace(tzinfo=None) == naive


def _title(rng: random.Random) -> tuple[str, str]:
    angle = rng.choice(ANGLES)
    title = f"{angle[0].upper()}{angle[1:]}: {rng.choice(SUBJECTS)}"
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:36].strip("-")
    return title, slug


def _post(
    rng: random.Random,
    post_id: str,
    title: str,
    when: datetime,
    channels_per_post: int,
    images: list[str],
) -> str:
    names = list(CHANNELS)
    picked = set(rng.sample(names, channels_per_post))
    channels = [c for c in names if c in picked]
    campaign = rng.choice(CAMPAIGNS)
    fm = [
        "---",
        f"id: {post_id}",
        f"title: {_q(title)}",
        f"date: {when:%Y-%m-%d %H:%M}",
        f"channels: [{', '.join(channels)}]",
        f"funnel: {rng.choice(FUNNELS)}",
        f"campaign: {campaign}",
        f"owner: {rng.choice(OWNERS)}",
        "cta:",
        f"  text: {rng.choice(CTA_TEXTS)}",
        f"  url: https://{SHOP_DOMAIN}/{rng.choice(LINK_PATHS)}?ref={campaign}",
        "media:",
    ]
    for src in rng.sample(images, rng.randint(1, 2)):
        alt = f"{rng.choice(ADJECTIVES)} light on {rng.choice(SUBJECTS)}, close up"
        fm += [f"  - src: {src}", f"    alt: {_q(alt)}"]
    tags = rng.sample(HASHTAGS, rng.randint(2, 4))
    fm.append(f"hashtags: [{', '.join(tags)}]")
    if "sms" in channels or rng.random() < 0.3:
        fm += _variants(rng, channels, title)
    if rng.random() < 0.05:
        fm += _paid(rng, channels, when.date())
    fm.append("---")
    return "\n".join(fm) + "\n\n" + _body(rng) + "\n"


def _variants(rng: random.Random, channels: list[str], title: str) -> list[str]:
    lines: list[str] = []
    for name in channels:
        if name == "sms":  # an SMS is always written short, apart from the body
            lines += [f"  {name}:", f"    text: {_q(title[:60] + '. Reply STOP to opt out.')}"]
        elif name in ("x", "bluesky") and rng.random() < 0.5:
            text = f"{title}. {rng.choice(SENTENCES)}"[:150]
            lines += [f"  {name}:", f"    text: {_q(text)}"]
        elif name in ("instagram", "facebook", "linkedin") and rng.random() < 0.5:
            comment = rng.choice(COMMENTS)
            lines += [f"  {name}:", f"    first_comment: {_q(comment)}"]
        elif name == "newsletter" and rng.random() < 0.7:
            lines += [
                f"  {name}:",
                f"    subject: {_q(title)}",
                f"    preheader: {_q(rng.choice(SENTENCES))}",
            ]
        elif name == "mastodon" and rng.random() < 0.3:
            lines += [f"  {name}:", "    content_warning: coffee talk, long post"]
    return ["variants:", *lines] if lines else []


def _paid(rng: random.Random, channels: list[str], day: date) -> list[str]:
    lines = [
        "paid:",
        f"  budget: {rng.choice((150, 250, 400, 1200))}",
        "  currency: USD",
        f"  objective: {rng.choice(('awareness', 'traffic', 'conversions'))}",
        "  audience:",
        "    locations: [US-IL, US-WI]",
        f"    age_min: {rng.choice((18, 21, 25))}",
        "    age_max: 55",
        "    interests: [coffee, cooking]",
        f"  start: {day.isoformat()}",
        f"  end: {(day + timedelta(days=rng.choice((3, 7, 14)))).isoformat()}",
    ]
    paid = [c for c in channels if c in PAID_CHANNELS]
    if paid:
        lines.append(f"  channels: [{', '.join(paid[: rng.randint(1, len(paid))])}]")
    return lines


def _body(rng: random.Random) -> str:
    paragraphs = []
    n = rng.randint(2, 4)
    link_at = rng.randrange(n)
    for p in range(n):
        sentences = rng.sample(SENTENCES, rng.randint(1, 2) if n > 2 else rng.randint(2, 3))
        if p == link_at:
            url = f"https://{BRAND_DOMAIN}/{rng.choice(LINK_PATHS)}"
            sentences.append(f"More in [{rng.choice(LINK_TEXTS)}]({url}).")
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs)


def _q(text: str) -> str:
    """A YAML double-quoted scalar (a JSON string is one)."""
    return json.dumps(text, ensure_ascii=False)


# -- images ---------------------------------------------------------------------


def _write_images(folder: Path) -> list[str]:
    """Small real JPEGs (one flat colour each), returned as calendar-root paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for (name, (width, height)), rgb in zip(IMAGES.items(), COLOURS, strict=True):
        path = folder / f"{name}.jpg"
        path.write_bytes(flat_jpeg(width, height, rgb))
        written.append(path.relative_to(folder.parent.parent).as_posix())
    return written


#: Canonical Huffman tables: (code counts by length 1-16, symbols).
_DC_TABLE = ((0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0), tuple(range(12)))  # JPEG K.3
_AC_TABLE = ((1,) + (0,) * 15, (0x00,))  # only end-of-block: every AC coefficient is 0


def flat_jpeg(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A baseline JPEG of one colour, written with the standard library only.

    Instagram takes only JPEG, so PNGs would not do. Every 8x8 block of a flat
    image is just its DC coefficient, so the scan is the first block's colour
    followed by "same again" for every other block: a few KB per image.
    """
    r, g, b = rgb
    ycc = (
        0.299 * r + 0.587 * g + 0.114 * b,
        128 - 0.168736 * r - 0.331264 * g + 0.5 * b,
        128 + 0.5 * r - 0.418688 * g - 0.081312 * b,
    )
    dc = [max(-127, min(127, round(c - 128))) for c in ycc]  # DC / 8, quantised by 8
    dc_codes, ac_codes = _huffman(*_DC_TABLE), _huffman(*_AC_TABLE)
    bits: list[str] = []
    blocks = -(-width // 8) * -(-height // 8)
    for i in range(blocks):
        for value in dc:
            diff = value if i == 0 else 0  # the DC is coded as the change from the last block
            size = abs(diff).bit_length()
            bits.append(dc_codes[size])
            if size:
                bits.append(format(diff if diff > 0 else diff + (1 << size) - 1, f"0{size}b"))
            bits.append(ac_codes[0x00])
    stream = "".join(bits)
    stream += "1" * (-len(stream) % 8)  # pad the last byte with ones
    scan = int(stream, 2).to_bytes(len(stream) // 8, "big").replace(b"\xff", b"\xff\x00")

    def segment(marker: int, payload: bytes) -> bytes:
        return struct.pack(">HH", 0xFF00 | marker, len(payload) + 2) + payload

    def table(cls_id: int, spec: tuple[tuple[int, ...], tuple[int, ...]]) -> bytes:
        return bytes((cls_id, *spec[0], *spec[1]))

    components = b"".join(bytes((k, 0x11, 0)) for k in (1, 2, 3))
    return b"".join((
        b"\xff\xd8",
        segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
        segment(0xDB, bytes((0,)) + bytes((8,)) * 64),
        segment(0xC0, struct.pack(">BHHB", 8, height, width, 3) + components),
        segment(0xC4, table(0x00, _DC_TABLE) + table(0x10, _AC_TABLE)),
        segment(0xDA, bytes((3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0))),
        scan,
        b"\xff\xd9",
    ))


def _huffman(counts: tuple[int, ...], symbols: tuple[int, ...]) -> dict[int, str]:
    """Symbol -> bit string of a canonical Huffman table (JPEG Annex C)."""
    codes: dict[int, str] = {}
    code, k = 0, 0
    for length, count in enumerate(counts, start=1):
        for _ in range(count):
            codes[symbols[k]] = format(code, f"0{length}b")
            code, k = code + 1, k + 1
        code <<= 1
    return codes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path, help="the folder to write the calendar into")
    parser.add_argument("--posts", type=int, default=1000, help="number of posts")
    parser.add_argument("--channels-per-post", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    make_calendar(args.root, args.posts, channels_per_post=args.channels_per_post,
                  seed=args.seed)


if __name__ == "__main__":
    main()
