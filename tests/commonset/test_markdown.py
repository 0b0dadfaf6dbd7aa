"""User-written Markdown (commonset/markdown.py): each feature renders, each dangerous
case is inert. Checked on the parsed HTML (tags and attributes), not on substrings."""

from html.parser import HTMLParser

import pytest
from django.template import Context, Template

from commonset.markdown import markdown_render


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict]]:
    parser = _Elements()
    parser.feed(str(html))
    return parser.elements


def tags(html: str) -> list[str]:
    return [tag for tag, _ in elements(html)]


def assert_inert(html: str) -> None:
    """No script, no image, no frame or object, no event handler, no URL that runs or
    embeds anything."""
    for tag, attrs in elements(html):
        assert tag not in {"script", "img", "iframe", "object", "embed", "style", "svg", "form"}
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name not in {"src", "style"} or tag in {"th", "td"}, (tag, name)
            if name == "href":
                assert value.split(":", 1)[0].lower() in {"http", "https", "mailto"} or (
                    ":" not in value.split("/", 1)[0]
                ), value


# --- dangerous input, rendered inert -------------------------------------------------------
def test_raw_script_is_shown_as_text_not_run():
    html = markdown_render("Hello <script>alert('x')</script> there")
    assert_inert(html)
    assert tags(html) == ["p"]
    assert html == '<p dir="auto">Hello &lt;script&gt;alert(\'x\')&lt;/script&gt; there</p>\n'


def test_a_raw_html_block_is_shown_as_text():
    text = '<div onclick="steal()">\n<iframe src="https://evil.example"></iframe>\n</div>'
    html = markdown_render(text)
    assert_inert(html)
    assert tags(html) == ["p"]
    assert "&lt;iframe" in html


def test_img_with_onerror_is_not_an_image_and_has_no_handler():
    html = markdown_render('Look <img src="x" onerror="alert(1)"> here')
    assert_inert(html)
    assert "img" not in tags(html)
    assert "&lt;img" in html  # shown as the text that was written


@pytest.mark.parametrize(
    "text",
    [
        "[click](javascript:alert(1))",
        "[click](JavaScript:alert(1))",
        "[click]( javascript:alert(1) )",
        "<javascript:alert(1)>",
        '<a href="javascript:alert(1)">click</a>',
        "[click](vbscript:msgbox(1))",
        "[click][ref]\n\n[ref]: javascript:alert(1)",
    ],
)
def test_javascript_links_are_never_links(text):
    html = markdown_render(text)
    assert_inert(html)
    for _tag, attrs in elements(html):
        assert "javascript" not in attrs.get("href", "").lower()
        assert "vbscript" not in attrs.get("href", "").lower()


def test_a_remote_image_is_not_loaded_but_linked_with_its_alt_text():
    html = markdown_render("See ![a cat on a mat](https://images.example/cat.png \"Cat\") now")
    assert_inert(html)
    links = [attrs for tag, attrs in elements(html) if tag == "a"]
    assert links == [{"href": "https://images.example/cat.png", "rel": "nofollow noopener"}]
    assert ">a cat on a mat</a>" in html


def test_an_image_without_alt_text_is_linked_by_its_address():
    html = markdown_render("![](https://images.example/cat.png)")
    assert '<a href="https://images.example/cat.png" rel="nofollow noopener">' in html
    assert ">https://images.example/cat.png</a>" in html


@pytest.mark.parametrize(
    "text",
    [
        "[open](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![pixel](data:image/png;base64,iVBORw0KGgo=)",
        "![svg](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)",
    ],
)
def test_data_urls_are_dropped(text):
    html = markdown_render(text)
    assert_inert(html)
    assert "data:" not in " ".join(a.get("href", "") for _, a in elements(html))


# --- features -----------------------------------------------------------------------------
def test_headings_lists_and_emphasis():
    html = markdown_render(
        "# Rules\n\n## Tone\n\n- be **kind**\n- be *brief*\n- ~~rude~~\n\n1. first\n2. second"
    )
    assert tags(html) == [
        "h1", "h2", "ul", "li", "strong", "li", "em", "li", "s", "ol", "li", "li",
    ]  # fmt: skip
    assert '<h1 dir="auto">Rules</h1>' in html
    assert "<strong>kind</strong>" in html and "<em>brief</em>" in html and "<s>rude</s>" in html


def test_links_get_nofollow_noopener():
    html = markdown_render('Read [the paper](https://arxiv.example/abs/1 "Paper") first.')
    links = [attrs for tag, attrs in elements(html) if tag == "a"]
    assert links == [
        {"href": "https://arxiv.example/abs/1", "title": "Paper", "rel": "nofollow noopener"}
    ]


def test_a_link_cannot_set_its_own_rel_or_target():
    html = markdown_render('<a href="https://x.example" rel="opener" target="_blank">x</a>')
    assert "a" not in tags(html)  # raw HTML is text


def test_tables():
    html = markdown_render("| label | meaning |\n|:--|--:|\n| yes | **fits** |\n| no | does not |")
    assert tags(html)[:6] == ["table", "thead", "tr", "th", "th", "tbody"]
    cells = [(tag, attrs.get("style")) for tag, attrs in elements(html) if tag in ("th", "td")]
    assert cells[0] == ("th", "text-align:left") and cells[1] == ("th", "text-align:right")
    assert "<strong>fits</strong>" in html


def test_fenced_code_keeps_its_indentation_and_blank_lines():
    code = "def f(x):\n    if x:\n        return 1\n\n    return 2"
    html = markdown_render(f"```python\n{code}\n```")
    assert tags(html) == ["pre", "code"]
    assert f"{code}\n</code></pre>" in html
    assert "&lt;" not in html


def test_code_keeps_html_as_text():
    html = markdown_render("Use `<br>` for a break.\n\n    <script>x()</script>")
    assert "<code>&lt;br&gt;</code>" in html
    assert "&lt;script&gt;x()&lt;/script&gt;" in html
    assert_inert(html)


def test_every_block_reads_in_its_own_direction():
    html = markdown_render("هذا نص عربي.\n\nThis is English.\n\n- نعم\n- yes")
    blocks = [(tag, attrs.get("dir")) for tag, attrs in elements(html) if tag in ("p", "li")]
    assert blocks == [("p", "auto"), ("p", "auto"), ("li", "auto"), ("li", "auto")]


def test_empty_text_renders_nothing():
    assert markdown_render("") == "" and markdown_render(None) == ""


def test_the_template_filter_is_the_same_rendering():
    text = "**bold** <script>x</script>"
    rendered = Template("{% load user_text %}{{ text|markdown }}").render(Context({"text": text}))
    assert rendered == markdown_render(text)


def test_plain_text_keeps_its_lines_once_each_and_escapes_html():
    text = "first line\nسطر ثان\n\n<b>third</b>"
    rendered = Template("{% load user_text %}{{ text|plain_text }}").render(Context({"text": text}))
    assert rendered == (
        '<span class="text-line" dir="auto">first line</span>'
        '<span class="text-line" dir="auto">سطر ثان</span>'
        '<span class="text-line" dir="auto"></span>'
        '<span class="text-line" dir="auto">&lt;b&gt;third&lt;/b&gt;</span>'
    )


def test_campaign_texts_are_kept_and_record_fields_are_not():
    from commonset import markdown

    markdown._render_cached.cache_clear()
    markdown_render("Guidelines, shown on every request.")
    markdown_render("Guidelines, shown on every request.")
    markdown_render("A record's field.", keep=False)
    info = markdown._render_cached.cache_info()
    assert (info.hits, info.misses, info.currsize) == (1, 1, 1)
    once = Template('{% load user_text %}{{ text|markdown:"once" }}')
    assert once.render(Context({"text": "*x*"})) == markdown_render("*x*", keep=False)
    assert markdown._render_cached.cache_info().currsize == 1
