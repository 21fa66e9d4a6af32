"""Saved web pages for bench/html: the scale corpus's articles in a WordPress page.

Page i is article i of bench/scale_corpus.py (the same title, date, category, tags
and prose, taken from its Markdown) wrapped the way a saved news-blog page is: a
head with Open Graph and article: tags, a JSON-LD NewsArticle graph, inline CSS and
scripts; a header with the site's navigation; the article (its prose as <p>, <ul>,
<a>, <em>, <strong>, <code>, with one or two <h2> subheadings added, as editors
do), a share bar, related posts, 3 to 6 comments and a comment form; a sidebar of
widgets; a footer and a cookie banner. About 25 to 40 KB a page. Page i is a
function of i alone (its own seeded generator for what the Markdown does not say),
so every run writes the same bytes and each corpus is the first N pages of the
larger ones.

  python3 bench/html_corpus.py DIR N     # writes DIR (reused when complete)
"""
import datetime
import json
import os
import random
import re
import sys

import scale_corpus as md

# Bumped whenever the bytes written change, so cached corpora are rewritten (the
# stamp also holds scale_corpus's VERSION, whose articles these pages carry).
VERSION = 1

SITE = "Harbourside Gazette"
HOST = "https://gazette.example"
AUTHORS = ["Marta Olsen", "Dougie Rennie", "Priya Natarajan", "Tomasz Wójcik",
           "Aoife Brennan", "Samuel Okafor", "Lena Fischer", "Kenji Mori"]
COMMENTERS = AUTHORS + ["Joan Petrie", "R. Castellanos", "harbourwatcher", "Bea",
                        "Old Salt", "Nadia K.", "Finlay", "M. Dubois"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


def page_name(i):
    return f"article-{i:06d}.html"


def esc(s):
    # Not the standard library's html.escape: bench/html.py takes the name "html" here.
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#x27;"))


def slugify(s):
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")


def _words(rng, lo, hi):
    return " ".join(rng.choices(md.WORDS, k=rng.randint(lo, hi)))


def _plain_sentence(rng):
    t = _words(rng, 8, 18)
    return t[0].upper() + t[1:] + rng.choice([".", ".", ".", "?", "!"])


def _plain_paragraph(rng, lo, hi):
    return " ".join(_plain_sentence(rng) for _ in range(rng.randint(lo, hi)))


def _headline(rng):
    t = _words(rng, 3, 6)
    return t[0].upper() + t[1:]


# ---------------------------------------------------------------------------------
# The article, read back from the Markdown corpus's text

def parse_markdown(text):
    """(title, date string, category, tags, blocks) of scale_corpus's article text;
    blocks are ("p", text) or ("ul", [items]), still in Markdown inline syntax."""
    _, head, body = text.split("---\n", 2)
    fields = {}
    for line in head.splitlines():
        key, _, value = line.partition(": ")
        fields[key] = value
    title = fields["title"][1:-1]
    tags = [t.strip() for t in fields["tags"].strip("[]").split(",") if t.strip()]
    blocks = []
    for block in body.strip().split("\n\n"):
        if block.startswith("- "):
            blocks.append(("ul", [line[2:] for line in block.split("\n")]))
        elif block.strip():
            blocks.append(("p", block))
    return title, fields["date"], fields["category"], tags, blocks


_INLINE = [
    (re.compile(r"\*\*([^*]+)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"\*([^*]+)\*"), r"<em>\1</em>"),
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
    (re.compile(r"\[([^\]]+)\]\(([^)]+)\)"), r'<a href="\2">\1</a>'),
]


def inline_html(text):
    """The corpus's inline Markdown (plain words, so nothing to escape but &<>)."""
    out = esc(text).replace("&quot;", '"').replace("&#x27;", "'")
    for pattern, repl in _INLINE:
        out = pattern.sub(repl, out)
    return out


def body_html(blocks, rng):
    """WordPress's block markup: blank lines between blocks, an <h2> before one or
    two of the paragraphs."""
    heads = set(rng.sample(range(2, len(blocks)), rng.randint(1, 2))) if len(blocks) > 3 else set()
    out = []
    for k, (kind, value) in enumerate(blocks):
        if k in heads:
            h = _headline(rng)
            out.append(f'<h2 class="wp-block-heading" id="{slugify(h)}">{esc(h)}</h2>')
        if kind == "ul":
            items = "\n\n\n\n".join(f"<li>{inline_html(x)}</li>" for x in value)
            out.append(f'<ul class="wp-block-list">\n{items}\n</ul>')
        else:
            out.append(f"<p>{inline_html(value)}</p>")
    return "\n\n\n\n".join(out)


# ---------------------------------------------------------------------------------
# The page around it

def _css(rng):
    """A theme's inline global styles: 1 to 2.5 KB of custom properties and rules."""
    colors = ["black", "dark-gray", "gray", "green", "blue", "purple", "red", "orange",
              "yellow", "white", "sand", "slate", "teal", "rose"]
    lines = ["body{" + ";".join(
        f"--wp--preset--color--{c}: #{rng.randrange(1 << 24):06X}" for c in colors) + ";"]
    lines.append(";".join(f"--wp--preset--font-size--{s}: {rng.randint(12, 64)}px"
                          for s in ("small", "normal", "medium", "large", "extra-large",
                                    "huge", "gigantic")) + ";}")
    for _ in range(rng.randint(4, 24)):
        c = rng.choice(colors)
        prop = rng.choice(["color", "background-color", "border-color", "fill"])
        kind = prop.replace("-color", "").replace("color", "")
        lines.append(f".has-{c}-{kind or 'color'}{rng.choice(['', ':hover', ':focus'])}"
                     f"{{{prop}: var(--wp--preset--color--{c}) !important;}}")
    return "\n".join(lines)


def _i18n_blob(rng):
    """wp.i18n locale data a plugin inlines: a JSON object of UI strings."""
    strings = {_headline(rng): [_headline(rng)] for _ in range(rng.randint(3, 12))}
    return json.dumps({"translation-revision-date": "2020-01-01 00:00:00+0000",
                       "generator": "GlotPress/4.0.1", "domain": "messages",
                       "locale_data": {"messages": {"": {"domain": "messages",
                                                         "lang": "en_GB"}, **strings}}},
                      ensure_ascii=False)


def _date_text(d):
    return f"{MONTHS[d.month - 1]} {d.day}, {d.year}"


def page_html(i, title=None, date=None):
    """The bytes of page i; title and date override the generated ones (drops)."""
    rng = random.Random(f"feedd-html-{i}")
    title, date_s, category, tags, blocks = parse_markdown(md.article_text(i, title, date))
    when = datetime.datetime.strptime(date_s, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)
    iso = when.isoformat()
    slug = "-".join(slugify(title).split("-")[:5])
    url = f"{HOST}/{when:%Y/%m/%d}/{slug}/"
    author = rng.choice(AUTHORS)
    author_slug = slugify(author)
    post_id = 1000 + i
    first_text = re.sub(r"<[^>]+>", "", inline_html(next(v for k, v in blocks if k == "p")))
    description = first_text[:155].rsplit(" ", 1)[0] + "…"
    image = f"{HOST}/wp-content/uploads/{when:%Y/%m}/{slug[:40]}-{rng.randint(100, 999)}.jpg"
    cat_slug = slugify(category)

    ld = {"@context": "https://schema.org", "@graph": [
        {"@type": "NewsArticle", "@id": f"{url}#article",
         "isPartOf": {"@id": url}, "author": {"name": author, "@id": f"{HOST}/#/person/{author_slug}"},
         "headline": title, "datePublished": iso, "dateModified": iso,
         "mainEntityOfPage": {"@id": url}, "wordCount": sum(len(str(v).split()) for _, v in blocks),
         "commentCount": 0, "publisher": {"@id": f"{HOST}/#organization"},
         "image": {"@id": f"{url}#primaryimage"}, "thumbnailUrl": image,
         "keywords": tags, "articleSection": [category], "inLanguage": "en-GB"},
        {"@type": "WebPage", "@id": url, "url": url, "name": f"{title} - {SITE}",
         "isPartOf": {"@id": f"{HOST}/#website"}, "datePublished": iso, "dateModified": iso,
         "description": description,
         "inLanguage": "en-GB"},
        {"@type": "ImageObject", "@id": f"{url}#primaryimage", "url": image,
         "contentUrl": image, "width": 1600, "height": 900},
        {"@type": "WebSite", "@id": f"{HOST}/#website", "url": f"{HOST}/", "name": SITE,
         "description": "News from the harbour and the hills around it",
         "publisher": {"@id": f"{HOST}/#organization"}, "inLanguage": "en-GB"},
        {"@type": "Organization", "@id": f"{HOST}/#organization", "name": SITE,
         "url": f"{HOST}/", "logo": {"@type": "ImageObject", "url": f"{HOST}/logo.png"}},
        {"@type": "Person", "@id": f"{HOST}/#/person/{author_slug}", "name": author,
         "url": f"{HOST}/author/{author_slug}/"}]}

    comments = rng.randint(3, 6)
    # What this page's theme and plugins add (each saved site differs a little).
    has = {k: rng.random() < p for k, p in (("i18n", 0.5), ("bio", 0.5), ("archives", 0.5),
                                             ("categories", 0.6), ("newsletter", 0.5))}
    ld["@graph"][0]["commentCount"] = comments
    out = []
    w = out.append
    w('<!doctype html>\n<html lang="en-GB" class="no-js">\n<head>\n'
      '\t<meta charset="UTF-8" />\n'
      '\t<meta name="viewport" content="width=device-width, initial-scale=1" />\n'
      f"\t<title>{esc(title)} &#8211; {esc(SITE)}</title>\n"
      "<meta name='robots' content='index, follow, max-image-preview:large, max-snippet:-1' />\n")
    w(f'<link rel="canonical" href="{url}" />\n'
      f'<meta name="description" content="{esc(description)}" />\n'
      '<meta property="og:locale" content="en_GB" />\n'
      '<meta property="og:type" content="article" />\n'
      f'<meta property="og:title" content="{esc(title)}" />\n'
      f'<meta property="og:description" content="{esc(description)}" />\n'
      f'<meta property="og:url" content="{url}" />\n'
      f'<meta property="og:site_name" content="{esc(SITE)}" />\n'
      f'<meta property="article:published_time" content="{iso}" />\n'
      f'<meta property="article:modified_time" content="{iso}" />\n'
      f'<meta property="article:section" content="{esc(category)}" />\n')
    for t in tags:
        w(f'<meta property="article:tag" content="{esc(t)}" />\n')
    w(f'<meta property="og:image" content="{image}" />\n'
      '<meta property="og:image:width" content="1600" />\n'
      '<meta property="og:image:height" content="900" />\n'
      '<meta property="og:image:type" content="image/jpeg" />\n'
      f'<meta name="author" content="{esc(author)}" />\n'
      '<meta name="twitter:card" content="summary_large_image" />\n'
      '<meta name="twitter:site" content="@harbourgazette" />\n'
      f'<meta name="twitter:label1" content="Written by" /><meta name="twitter:data1" '
      f'content="{esc(author)}" />\n'
      '<meta name="twitter:label2" content="Est. reading time" /><meta name="twitter:data2" '
      f'content="{rng.randint(2, 4)} minutes" />\n'
      '<script type="application/ld+json" class="yoast-schema-graph">'
      + json.dumps(ld, ensure_ascii=False, separators=(",", ":")) + "</script>\n")
    w("<link rel='dns-prefetch' href='//stats.wp.example.net' />\n"
      "<link rel='dns-prefetch' href='//fonts.example.net' />\n"
      f'<link rel="alternate" type="application/rss+xml" title="{SITE} &raquo; Feed" '
      f'href="{HOST}/feed/" />\n'
      f'<link rel="alternate" type="application/rss+xml" title="{SITE} &raquo; Comments Feed" '
      f'href="{HOST}/comments/feed/" />\n'
      f'<link rel="alternate" type="application/rss+xml" title="{SITE} &raquo; {esc(title)} '
      f'Comments Feed" href="{url}feed/" />\n')
    w("<script>\nwindow._wpemojiSettings = " + json.dumps({
        "baseUrl": "https://s.w.example.org/images/core/emoji/15.0.3/72x72/", "ext": ".png",
        "svgUrl": "https://s.w.example.org/images/core/emoji/15.0.3/svg/", "svgExt": ".svg",
        "source": {"concatemoji": f"{HOST}/wp-includes/js/wp-emoji-release.min.js?ver=6.5.2"}})
      + ";\n/*! This file is auto-generated */\n"
      "!function(i,n){var o,s,e;function c(e){try{var t={supportTests:e,timestamp:(new Date)"
      ".valueOf()};sessionStorage.setItem(o,JSON.stringify(t))}catch(e){}}function p(e,t,n)"
      "{e.clearRect(0,0,e.canvas.width,e.canvas.height),e.fillText(t,0,0);var t=new "
      "Uint32Array(e.getImageData(0,0,e.canvas.width,e.canvas.height).data),r=(e.clearRect"
      "(0,0,e.canvas.width,e.canvas.height),e.fillText(n,0,0),new Uint32Array(e.getImageData"
      "(0,0,e.canvas.width,e.canvas.height).data));return t.every(function(e,t){return e===r"
      "[t]})}function u(e,t,n){switch(t){case\"flag\":return n(e,\"\\ud83c\\udff3\",\"\\ud83c"
      "\\udff3\")?!1:!n(e,\"\\ud83c\\uddfa\\ud83c\\uddf3\",\"\\ud83c\\uddfa\\u200b\\ud83c"
      "\\uddf3\");case\"emoji\":return!n(e,\"\\ud83d\\udc26\",\"\\ud83d\\udc26\")}return!1}}"
      "((window,document),window._wpemojiSettings);\n</script>\n")
    for sheet, ver in (("wp-includes/css/dist/block-library/style.min.css", "6.5.2"),
                       ("wp-content/themes/harbourside/style.css", "2.2"),
                       ("wp-content/themes/harbourside/assets/css/print.css", "2.2"),
                       ("wp-content/plugins/jetpack/css/jetpack.css", "13.3")):
        w(f"<link rel='stylesheet' id='{slugify(sheet.rsplit('/', 1)[1])}-css' "
          f"href='{HOST}/{sheet}?ver={ver}' media='all' />\n")
    w("<style id='global-styles-inline-css'>\n" + _css(rng) + "\n</style>\n")
    w(f'<script src="{HOST}/wp-includes/js/jquery/jquery.min.js?ver=3.7.1" '
      'id="jquery-core-js"></script>\n'
      f'<script src="{HOST}/wp-includes/js/dist/i18n.min.js?ver=5e580eb46a90c2b997e6" '
      'id="wp-i18n-js"></script>\n'
      '<script id="wp-i18n-js-after">\nwp.i18n.setLocaleData( { \'text direction\\u0004ltr\': '
      "[ 'ltr' ] } );\n</script>\n")
    if has["i18n"]:
        w('<script id="harbourside-theme-js-translations">\n( function( domain, translations ) '
      "{\n\tvar localeData = translations.locale_data[ domain ] || translations.locale_data."
          "messages;\n\tlocaleData[\"\"].domain = domain;\n\twp.i18n.setLocaleData( localeData, "
          "domain );\n} )( \"harbourside\", " + _i18n_blob(rng) + " );\n</script>\n")
    w(f'<link rel="https://api.w.org/" href="{HOST}/wp-json/" />'
      f'<link rel="alternate" type="application/json" href="{HOST}/wp-json/wp/v2/posts/{post_id}" />'
      f'<link rel="EditURI" type="application/rsd+xml" title="RSD" href="{HOST}/xmlrpc.php?rsd" />\n'
      '<meta name="generator" content="WordPress 6.5.2" />\n'
      f"<link rel='shortlink' href='{HOST}/?p={post_id}' />\n"
      f'<link rel="icon" href="{HOST}/wp-content/uploads/2019/05/icon-32x32.png" sizes="32x32" />\n'
      f'<link rel="icon" href="{HOST}/wp-content/uploads/2019/05/icon-192x192.png" sizes="192x192" />\n'
      '<!-- Google tag (gtag.js) -->\n'
      '<script async src="https://analytics.example.net/gtag/js?id=G-HARBOUR01"></script>\n'
      "<script>\n  window.dataLayer = window.dataLayer || [];\n"
      "  function gtag(){dataLayer.push(arguments);}\n  gtag('js', new Date());\n"
      "  gtag('config', 'G-HARBOUR01', { 'anonymize_ip': true });\n</script>\n</head>\n\n")

    # Header and navigation
    w(f'<body class="post-template-default single single-post postid-{post_id} '
      f'single-format-standard wp-embed-responsive is-light-theme no-js singular '
      f'has-main-navigation category-{cat_slug}">\n<div id="page" class="site">\n'
      '\t<a class="skip-link screen-reader-text" href="#content">Skip to content</a>\n'
      '\t<header id="masthead" class="site-header has-title-and-tagline has-menu">\n'
      '\t<div class="site-branding">\n'
      f'\t\t<p class="site-title"><a href="{HOST}/" rel="home">{SITE}</a></p>\n'
      '\t\t<p class="site-description">News from the harbour and the hills around it</p>\n'
      '\t</div><!-- .site-branding -->\n'
      '\t<nav id="site-navigation" class="primary-navigation" aria-label="Primary menu">\n'
      '\t\t<div class="menu-button-container"><button id="primary-mobile-menu" class="button" '
      'aria-controls="primary-menu-list" aria-expanded="false"><span class="dropdown-icon open">'
      'Menu <svg class="svg-icon" width="24" height="24" aria-hidden="true" role="img" '
      'focusable="false" viewBox="0 0 24 24" fill="none" xmlns="http://www.w3.org/2000/svg">'
      '<path fill-rule="evenodd" clip-rule="evenodd" d="M4.5 6H19.5V7.5H4.5V6ZM4.5 12H19.5V13.5'
      'H4.5V12ZM19.5 18H4.5V19.5H19.5V18Z" fill="currentColor"/></svg></span></button></div>\n'
      '\t\t<div class="primary-menu-container"><ul id="primary-menu-list" class="menu-wrapper">')
    for k, c in enumerate(md.CATEGORIES[:5]):
        current = " current-post-ancestor current-menu-parent" if c == category else ""
        w(f'<li id="menu-item-{20 + k}" class="menu-item menu-item-type-taxonomy '
          f'menu-item-object-category{current} menu-item-{20 + k}"><a href="{HOST}/category/'
          f'{slugify(c)}/">{c}</a></li>\n')
    w("</ul></div>\t</nav><!-- #site-navigation -->\n</header><!-- #masthead -->\n\n"
      '\t<div id="content" class="site-content">\n\t\t<div id="primary" class="content-area">\n'
      '\t\t\t<main id="main" class="site-main">\n\n')

    # The article
    tag_classes = " ".join(f"tag-{t}" for t in tags)
    w(f'<article id="post-{post_id}" class="post-{post_id} post type-post status-publish '
      f'format-standard has-post-thumbnail hentry category-{cat_slug} {tag_classes} entry">\n\n'
      '\t<header class="entry-header alignwide">\n'
      f'\t\t<h1 class="entry-title">{esc(title)}</h1>\n'
      '\t\t<div class="entry-meta"><span class="byline">By <a class="url fn n" '
      f'href="{HOST}/author/{author_slug}/">{esc(author)}</a></span> <span class="posted-on">'
      f'<time class="entry-date published updated" datetime="{iso}">{_date_text(when)}</time>'
      '</span></div>\n'
      f'\t\t<figure class="post-thumbnail"><img width="1568" height="882" src="{image}" '
      'class="attachment-post-thumbnail size-post-thumbnail wp-post-image" alt="" '
      'decoding="async" fetchpriority="high" /></figure><!-- .post-thumbnail -->\n'
      '\t</header><!-- .entry-header -->\n\n\t<div class="entry-content">\n\n')
    w(body_html(blocks, rng))
    w("\n\n")
    # Share bar and Jetpack's related posts, inside the entry content as WordPress puts them
    w('<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block '
      'sd-social sd-social-icon-text sd-sharing"><h3 class="sd-title">Share this:</h3>'
      '<div class="sd-content"><ul>')
    for net in ("facebook", "x", "email"):
        w(f'<li class="share-{net}"><a rel="nofollow noopener noreferrer" data-shared="sharing-'
          f'{net}-{post_id}" class="share-{net} sd-button share-icon" href="{url}?share={net}" '
          f'target="_blank" title="Click to share on {net.capitalize()}"><span>'
          f"{net.capitalize()}</span></a></li>")
    w('<li class="share-end"></li></ul></div></div></div>\n')
    w(f"<div id='jp-relatedposts' class='jp-relatedposts'><h3 class=\"jp-relatedposts-headline\">"
      "<em>Related</em></h3><div class=\"jp-relatedposts-items jp-relatedposts-items-visual\">")
    for _ in range(3):
        j = rng.randrange(max(i, 1) + 500)
        rt = md.article_title(j)
        rd = md.START + j * md.STEP
        link = f"{HOST}/{rd:%Y/%m/%d}/{'-'.join(slugify(rt).split('-')[:5])}/"
        w(f'<div class="jp-relatedposts-post" data-post-id="{1000 + j}"><h4 class="jp-'
          f'relatedposts-post-title"><a class="jp-relatedposts-post-a" href="{link}" '
          f'rel="nofollow">{esc(rt)}</a></h4><p class="jp-relatedposts-post-date">'
          f'{_date_text(rd)}</p><p class="jp-relatedposts-post-context">In &quot;'
          f'{rng.choice(md.CATEGORIES)}&quot;</p></div>')
    w("</div></div>\t</div><!-- .entry-content -->\n\n")
    w('\t<footer class="entry-footer default-max-width"><div class="posted-by">'
      f'<span class="posted-on">Published <time class="entry-date published updated" '
      f'datetime="{iso}">{_date_text(when)}</time></span><span class="byline">By '
      f'<a href="{HOST}/author/{author_slug}/" rel="author">{esc(author)}</a></span></div>'
      '<div class="post-taxonomies"><span class="cat-links">Categorized as '
      f'<a href="{HOST}/category/{cat_slug}/" rel="category tag">{esc(category)}</a></span>'
      '<span class="tags-links">Tagged ' + ", ".join(
          f'<a href="{HOST}/tag/{t}/" rel="tag">{t}</a>' for t in tags)
      + "</span></div></footer><!-- .entry-footer -->\n\n")
    if has["bio"]:
        w('\t<div class="author-bio show-avatars"><img alt="" src="https://avatars.example.net/'
          f'avatar/{rng.randrange(1 << 32):08x}?s=85&#038;d=mm&#038;r=g" class="avatar avatar-85 '
          'photo" height="85" width="85" loading="lazy" decoding="async"/><div class="author-bio-'
          f'content"><h2 class="author-title">By {esc(author)}</h2><p class="author-description">'
          f"{esc(_plain_paragraph(rng, 1, 2))}</p><a class=\"author-link\" href=\"{HOST}/author/"
          f'{author_slug}/" rel="author">View all of {esc(author)}&#039;s posts.</a></div></div>\n')
    w(f"</article><!-- #post-{post_id} -->\n\n")

    # Comments
    w(f'<div id="comments" class="comments-area default-max-width show-avatars">\n'
      f'\t<h2 class="comments-title">{comments} comments on &ldquo;{esc(title)}&rdquo;</h2>\n'
      '\t<ol class="comment-list">\n')
    cdate = when
    for c in range(comments):
        who = rng.choice(COMMENTERS)
        cdate = cdate + datetime.timedelta(minutes=rng.randint(5, 600))
        cid = post_id * 10 + c
        nested = c > 0 and rng.random() < 0.3
        if nested:
            w('\t\t<ol class="children">\n')
        paras = "".join(f"<p>{esc(_plain_paragraph(rng, 1, 4))}</p>\n"
                        for _ in range(1 + (rng.random() < 0.3)))
        w(f'\t\t<li id="comment-{cid}" class="comment even thread-even depth-{2 if nested else 1}">\n'
          f'\t\t\t<article id="div-comment-{cid}" class="comment-body">\n'
          '\t\t\t\t<footer class="comment-meta"><div class="comment-author vcard">'
          f'<img alt="" src="https://avatars.example.net/avatar/{rng.randrange(1 << 32):08x}?s=60'
          '&#038;d=mm&#038;r=g" class="avatar avatar-60 photo" height="60" width="60" '
          f'loading="lazy" decoding="async"/> <b class="fn">{esc(who)}</b> <span class="says">'
          'says:</span></div><div class="comment-metadata"><a href="'
          f'{url}#comment-{cid}"><time datetime="{cdate.isoformat()}">{_date_text(cdate)} at '
          f'{cdate:%H:%M}</time></a></div></footer>\n'
          f'\t\t\t\t<div class="comment-content">\n{paras}\t\t\t\t</div>\n'
          f"\t\t\t\t<div class=\"reply\"><a rel='nofollow' class='comment-reply-link' "
          f"href='#comment-{cid}' data-commentid=\"{cid}\" data-postid=\"{post_id}\" "
          f"aria-label='Reply to {esc(who)}'>Reply</a></div>\n"
          "\t\t\t</article><!-- .comment-body -->\n\t\t</li><!-- #comment-## -->\n")
        if nested:
            w("\t\t</ol><!-- .children -->\n")
    w('\t</ol><!-- .comment-list -->\n\t<div id="respond" class="comment-respond">\n'
      '\t\t<h2 id="reply-title" class="comment-reply-title">Leave a comment</h2>'
      f'<form action="{HOST}/wp-comments-post.php" method="post" id="commentform" '
      'class="comment-form" novalidate><p class="comment-notes"><span id="email-notes">Your '
      'email address will not be published.</span> <span class="required-field-message">'
      'Required fields are marked <span class="required">*</span></span></p>'
      '<p class="comment-form-comment"><label for="comment">Comment <span class="required">*'
      '</span></label> <textarea id="comment" name="comment" cols="45" rows="5" '
      'maxlength="65525" required></textarea></p><p class="comment-form-author"><label '
      'for="author">Name <span class="required">*</span></label> <input id="author" '
      'name="author" type="text" value="" size="30" maxlength="245" autocomplete="name" '
      'required /></p>\n<p class="comment-form-email"><label for="email">Email <span '
      'class="required">*</span></label> <input id="email" name="email" type="email" value="" '
      'size="30" maxlength="100" aria-describedby="email-notes" autocomplete="email" '
      'required /></p>\n<p class="form-submit"><input name="submit" type="submit" '
      'id="submit" class="submit" value="Post Comment" /> <input type=\'hidden\' '
      f"name='comment_post_ID' value='{post_id}' id='comment_post_ID' /></p></form>\n"
      "\t</div><!-- #respond -->\n</div><!-- #comments -->\n\n")
    prev_t, next_t = md.article_title(max(i - 1, 0)), md.article_title(i + 1)
    w('\t<nav class="navigation post-navigation" aria-label="Posts"><h2 class="screen-reader-'
      'text">Post navigation</h2><div class="nav-links"><div class="nav-previous"><a href="'
      f'{HOST}/{slugify(prev_t)}/" rel="prev"><p class="meta-nav">Previous post</p>'
      f'<p class="post-title">{esc(prev_t)}</p></a></div><div class="nav-next"><a href="'
      f'{HOST}/{slugify(next_t)}/" rel="next"><p class="meta-nav">Next post</p>'
      f'<p class="post-title">{esc(next_t)}</p></a></div></div></nav>\n'
      "\t\t\t</main><!-- #main -->\n\t\t</div><!-- #primary -->\n\t</div><!-- #content -->\n\n")

    # Sidebar
    w('\t<aside id="secondary" class="widget-area" role="complementary" aria-label="Sidebar">\n'
      '\t\t<section id="search-2" class="widget widget_search"><form role="search" method="get" '
      f'class="search-form" action="{HOST}/"><label for="search-form-1">Search&hellip;</label>'
      '<input type="search" id="search-form-1" class="search-field" value="" name="s" />'
      '<input type="submit" class="search-submit" value="Search" /></form></section>\n'
      '\t\t<section id="recent-posts-2" class="widget widget_recent_entries"><h2 class="widget-'
      'title">Recent Posts</h2><nav aria-label="Recent Posts"><ul>\n')
    for j in range(i + rng.randint(3, 6), i, -1):
        t = md.article_title(j)
        w(f'\t\t\t<li><a href="{HOST}/{slugify(t)[:40]}/">{esc(t)}</a><span class="post-date">'
          f"{_date_text(md.START + j * md.STEP)}</span></li>\n")
    w('\t\t</ul></nav></section>\n')
    if has["archives"]:
        w('\t\t<section id="archives-2" class="widget widget_archive">'
          '<h2 class="widget-title">Archives</h2><nav aria-label="Archives"><ul>\n')
        for k in range(rng.randint(3, 8)):
            y, m = divmod(when.year * 12 + when.month - 1 - k, 12)
            w(f"\t\t\t<li><a href='{HOST}/{y}/{m + 1:02d}/'>{MONTHS[m]} {y}</a>"
              f"&nbsp;({rng.randint(40, 4400)})</li>\n")
        w('\t\t</ul></nav></section>\n')
    if has["categories"]:
        w('\t\t<section id="categories-2" class="widget widget_categories"><h2 '
          'class="widget-title">Categories</h2><nav aria-label="Categories"><ul>\n')
        for c in md.CATEGORIES[:rng.randint(5, 12)]:
            w(f'\t\t\t<li class="cat-item cat-item-{len(c)}"><a href="{HOST}/category/'
              f'{slugify(c)}/">{c}</a> ({rng.randint(100, 9000)})</li>\n')
        w('\t\t</ul></nav></section>\n')
    w('\t\t<section id="tag_cloud-2" class="widget widget_tag_cloud">'
      '<h2 class="widget-title">Tags</h2><nav aria-label="Tags"><div class="tagcloud">')
    for t in sorted(rng.sample(md.TAGS, rng.randint(5, 12))):
        n = rng.randint(1, 400)
        w(f'<a href="{HOST}/tag/{t}/" class="tag-cloud-link tag-link-{md.TAGS.index(t)}" '
          f'style="font-size: {8 + n % 15}pt;" aria-label="{t} ({n} items)">{t}</a>\n')
    w('</div></nav></section>\n')
    if has["newsletter"]:
        w('\t\t<section id="block-7" class="widget widget_block"><div class="wp-block-group '
          'newsletter-signup"><h2 class="wp-block-heading">The Gazette in your inbox</h2><p>'
          + esc(_plain_paragraph(rng, 1, 2)) + '</p><form class="jetpack-subscribe" action="'
          f'{HOST}/" method="post"><input type="email" name="email" placeholder="Type your '
          'email…" required /><button type="submit">Subscribe</button></form></div></section>\n')
    w("\t</aside><!-- #secondary -->\n\n")

    # Footer, cookie banner, the scripts at the end of the body
    w('\t<footer id="colophon" class="site-footer">\n\t\t<nav aria-label="Secondary menu" '
      'class="footer-navigation"><ul class="footer-navigation-wrapper">')
    for k, p in enumerate(("About us", "Contact", "Privacy Policy")):
        w(f'<li id="menu-item-{60 + k}" class="menu-item menu-item-type-post_type menu-item-'
          f'object-page menu-item-{60 + k}"><a href="{HOST}/{slugify(p)}/"><span>{p}</span></a></li>')
    w("</ul></nav>\n\t\t<div class=\"site-info\"><div class=\"site-name\"><a href=\""
      f'{HOST}/">{SITE}</a></div><div class="powered-by">Proudly powered by <a href="'
      'https://wordpress.example.org/">WordPress</a>.</div></div>\n'
      "\t</footer><!-- #colophon -->\n</div><!-- #page -->\n\n"
      '<div class="widget_eu_cookie_law_widget"><div class="hide-on-button ads-active" '
      'data-hide-timeout="30" data-consent-expiration="180" id="eu-cookie-law"><form '
      'method="post" id="jetpack-eu-cookie-law-form"><input type="submit" value="Close and '
      'accept" class="accept" /></form>Privacy &amp; Cookies: This site uses cookies. By '
      'continuing to use this website, you agree to their use.<br />To find out more, '
      f'including how to control cookies, see here: <a href="{HOST}/privacy-policy/" '
      'rel="nofollow">Cookie Policy</a></div></div>\n'
      '<script>document.body.classList.remove("no-js");</script>\n'
      '<script id="jetpack-lazy-images-js">\ndocument.querySelectorAll(\'img.lazyload[data-'
      "src]').forEach(function (img) { img.src = img.dataset.src; img.classList.remove("
      "'lazyload'); });\n</script>\n")
    for js in ("themes/harbourside/assets/js/primary-navigation.js?ver=2.2",
               "plugins/jetpack/_inc/build/sharedaddy/sharing.min.js?ver=13.3"):
        w(f'<script src="{HOST}/wp-content/{js}"></script>\n')
    w("<script id=\"sharing-js-js-extra\">\nvar sharing_js_options = " + json.dumps(
        {"sharing_services": ["facebook", "x", "linkedin", "reddit", "whatsapp"],
         "counts": {k: rng.randint(0, 900) for k in ("facebook", "x", "linkedin")},
         "post_id": post_id, "lang": "en", "is_stats_active": "1"})
      + ";\n</script>\n<script src='https://stats.wp.example.net/e-202001.js' defer></script>\n"
      "<script>\n\t_stq = window._stq || [];\n"
      f"\t_stq.push([ \"view\", {{v:'ext',blog:'171100{i % 1000:03d}',post:'{post_id}',"
      f"tz:'0',srv:'gazette.example',j:'1:13.3'}} ]);\n"
      f"\t_stq.push([ \"clickTrackerInit\", \"171100{i % 1000:03d}\", \"{post_id}\" ]);\n"
      "</script>\n<noscript><img src=\"https://pixel.wp.example.net/g.gif?v=noscript\" "
      'style="height:0px;width:0px;overflow:hidden" alt="" /></noscript>\n</body>\n</html>\n')
    return "".join(out)


def write_corpus(folder, n):
    """Writes the pages unless a complete set of the same version is there."""
    stamp = folder.rstrip("/") + ".complete"
    want = f"version {VERSION} scale_corpus {md.VERSION} pages {n}\n"
    if os.path.isdir(folder) and os.path.exists(stamp) and open(stamp).read() == want:
        return False
    os.makedirs(folder, exist_ok=True)
    if os.path.exists(stamp):
        os.remove(stamp)
    for name in os.listdir(folder):
        os.remove(os.path.join(folder, name))
    for i in range(n):
        with open(os.path.join(folder, page_name(i)), "w", encoding="utf-8") as f:
            f.write(page_html(i))
    with open(stamp, "w") as f:
        f.write(want)
    return True


if __name__ == "__main__":
    wrote = write_corpus(sys.argv[1], int(sys.argv[2]))
    print("wrote" if wrote else "reused", sys.argv[1])
