"""Corpus and Hugo site for bench/scale.

Writes N Markdown articles with YAML front matter (title, date, category, tags) and
about 3 KB of varied prose in 7 paragraphs. Article i is a function of i alone (its
own seeded generator), so every run writes the same bytes and the 1,000-article
corpus is the first 1,000 files of the 10,000-article one.

  python3 bench/scale_corpus.py DIR N     # writes DIR (reused when complete)
"""
import datetime
import os
import random
import sys

# Bumped whenever the bytes written change, so cached corpora are rewritten.
VERSION = 1

# A 2020 start and ten minutes between articles: 100,000 articles end in 2021,
# distinct and in the past (Hugo skips future dates).
START = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
STEP = datetime.timedelta(minutes=10)

CATEGORIES = ["Politics", "Business", "Science", "Culture", "Sport", "Health",
              "Technology", "Environment", "Education", "Travel", "World", "Local"]

WORDS = """the a an of to in on for with at by from about into over after before under
between through during without against among city council said monday tuesday
wednesday thursday friday plan new housing would go ahead despite concerns residents
cost traffic schools water noise officials promised publish figures winter ministers
regional budget agreement talks border trade river port rail station hospital energy
prices farmers market weather storm election court ruling police report festival
museum library university students workers union strike wages inflation exports
imports harvest bridge tunnel airport runway ferry harbour coast mountain valley
village district province capital mayor governor senator judge jury witness lawyer
doctor nurse patient clinic vaccine research study scientists data survey results
percent million billion growth decline recovery crisis reform policy law bill vote
debate committee hearing inquiry review audit contract tender company investors
shares profit loss revenue quarter year month week day morning evening night summer
autumn spring season team match goal coach player league final record crowd stadium
artist concert gallery exhibition film theatre novel author poet music band song
album software network internet phone battery solar wind turbine grid carbon
emissions climate forest wildlife species drought flood rain snow heat temperature
road cycle lane bus tram metro parking pedestrian safety speed limit fine permit
licence tax rent mortgage loan bank interest rate pension benefit welfare family
children parents teachers exam degree course campus lecture grant funding charity
volunteers community neighbourhood street square park garden market hall church
tower castle history heritage archive census population migrants visitors tourists
hotel restaurant kitchen bakery coffee bread fish grain wine cheese fruit vegetables
early late quickly slowly finally again still already never often rarely nearly
large small high low long short old young public private local national foreign
open closed quiet busy cheap expensive safe risky clear uncertain strong weak""".split()

TAGS = [f"{a}-{b}" for a in ("housing", "transport", "energy", "health", "schools",
                             "budget", "climate", "trade", "courts", "arts")
        for b in ("north", "south", "east", "west", "centre", "coast", "hills",
                  "valley", "port", "suburbs", "county", "region", "national",
                  "local", "abroad", "rural", "urban", "island", "border", "capital")]


def article_name(i):
    return f"article-{i:06d}.md"


def article_title(i, rng=None):
    rng = rng or random.Random(f"feedd-scale-{i}")
    return f"Article {i:06d}: {rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} " \
           f"and {rng.choice(WORDS)} {rng.choice(WORDS)}"


def _sentence(rng):
    words = rng.choices(WORDS, k=rng.randint(9, 17))
    k = rng.randrange(len(words))
    style = rng.random()
    if style < 0.08:
        words[k] = f"*{words[k]}*"
    elif style < 0.14:
        words[k] = f"**{words[k]}**"
    elif style < 0.18:
        words[k] = f"[{words[k]}](https://example.org/{words[k]}/{rng.randint(1, 999)})"
    elif style < 0.20:
        words[k] = f"`{words[k]}`"
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice([".", ".", ".", ".", "?", "!", ";"])


def article_text(i, title=None, date=None):
    """The bytes of article i; title and date override the generated ones."""
    rng = random.Random(f"feedd-scale-{i}")
    generated = article_title(i, rng)
    title = title or generated
    date = date or START + i * STEP
    category = rng.choice(CATEGORIES)
    tags = rng.sample(TAGS, rng.randint(2, 5))
    out = ["---", f'title: "{title}"', f"date: {date.strftime('%Y-%m-%dT%H:%M:%SZ')}",
           f"category: {category}", f"tags: [{', '.join(tags)}]", "---", ""]
    for p in range(7):
        if p == 3 and rng.random() < 0.3:
            out.append("\n".join(f"- {_sentence(rng)}" for _ in range(rng.randint(3, 5))))
        else:
            out.append(" ".join(_sentence(rng) for _ in range(rng.randint(4, 6))))
        out.append("")
    return "\n".join(out)


def write_corpus(folder, n):
    """Writes the corpus unless a complete one of the same version is there."""
    stamp = folder.rstrip("/") + ".complete"
    want = f"version {VERSION} articles {n}\n"
    if os.path.isdir(folder) and os.path.exists(stamp) and open(stamp).read() == want:
        return False
    os.makedirs(folder, exist_ok=True)
    if os.path.exists(stamp):
        os.remove(stamp)
    for name in os.listdir(folder):
        os.remove(os.path.join(folder, name))
    for i in range(n):
        with open(os.path.join(folder, article_name(i)), "w", encoding="utf-8") as f:
            f.write(article_text(i))
    with open(stamp, "w") as f:
        f.write(want)
    return True


# A minimal Hugo site: every article gets a page, home and every taxonomy term an
# HTML list (the newest 1,000, as feedd's index) and an RSS feed of the newest 50
# (feedd's default limit). "category" and "tags" are taxonomies, as feedd's
# category and tag feeds.
HUGO_CONFIG = """baseURL = "http://127.0.0.1/"
title = "Scale bench"
contentDir = "{content}"
rssLimit = 50
disableKinds = ["sitemap", "robotsTXT", "404"]
[taxonomies]
  tag = "tags"
  category = "category"
[outputs]
  home = ["HTML", "RSS"]
  section = ["HTML", "RSS"]
  taxonomy = ["HTML"]
  term = ["HTML", "RSS"]
"""

# Feeds only: the same feeds, no HTML page rendered (the pages are still read and
# listed, so the feeds hold the same items).
HUGO_FEEDS_ONLY_CONFIG = """baseURL = "http://127.0.0.1/"
title = "Scale bench"
contentDir = "{content}"
rssLimit = 50
disableKinds = ["sitemap", "robotsTXT", "404", "taxonomy"]
ignoreErrors = ["error-disable-taxonomy"]
[taxonomies]
  tag = "tags"
  category = "category"
[outputs]
  home = ["RSS"]
  section = ["RSS"]
  term = ["RSS"]
[[cascade]]
  [cascade._build]
    render = "never"
    list = "always"
  [cascade._target]
    kind = "page"
"""

HUGO_LAYOUTS = {
    "_default/baseof.html": """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title>
{{ range .AlternativeOutputFormats }}<link rel="{{ .Rel }}" type="{{ .MediaType.Type }}"
  href="{{ .Permalink }}">
{{ end }}</head>
<body>{{ block "main" . }}{{ end }}</body></html>
""",
    "_default/single.html": """{{ define "main" }}<article><h1>{{ .Title }}</h1>
<p><time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">
  {{- .Date.Format "2 January 2006" }}</time>
{{ with .Params.category }} in
  <a href="{{ "category/" | relURL }}{{ . | urlize }}/">{{ . }}</a>{{ end }}</p>
{{ .Content }}
<p>{{ range .Params.tags }}<a href="{{ "tags/" | relURL }}{{ . | urlize }}/">{{ . }}</a>
{{ end }}</p>
</article>{{ end }}
""",
    "_default/list.html": """{{ define "main" }}<h1>{{ .Title }}</h1>
<ul>{{ range first 1000 .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>
  {{ .Date.Format "2006-01-02" }}</li>
{{ end }}</ul>{{ end }}
""",
    "index.html": """{{ define "main" }}<h1>{{ .Site.Title }}</h1>
<ul>{{ range first 1000 .Site.RegularPages }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}</li>
{{ end }}</ul>{{ end }}
""",
}


def write_hugo_site(site, content):
    """Writes the site folder: config.toml (full), feeds-only.toml, layouts."""
    for rel, text in HUGO_LAYOUTS.items():
        path = os.path.join(site, "layouts", rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    with open(os.path.join(site, "config.toml"), "w") as f:
        f.write(HUGO_CONFIG.format(content=content))
    with open(os.path.join(site, "feeds-only.toml"), "w") as f:
        f.write(HUGO_FEEDS_ONLY_CONFIG.format(content=content))


if __name__ == "__main__":
    wrote = write_corpus(sys.argv[1], int(sys.argv[2]))
    print("wrote" if wrote else "reused", sys.argv[1])
