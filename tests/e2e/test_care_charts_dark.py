"""The care dashboard's charts in the dark theme: bars and lines at 3:1 or more against the chart's background,
their words (ticks, legends, axis titles) at 4.5:1, with the colours read from the stylesheet; and in French
the charts' words come from the page."""
import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import TIMEOUT_MS, sign_in_through_form
from tests.e2e.test_care_charts import _care_items

pytestmark = pytest.mark.e2e

# Every colour a chart paints with, as the browser resolved it: data sets (fill and stroke), and the
# colour of every scale's ticks and title and of the legend's labels; plus the chart box's background.
CHART_COLOURS = """() => Object.values(Chart.instances).map((chart) => {
  const box = chart.canvas.closest('[data-chart]');
  let node = box, background = 'rgba(0, 0, 0, 0)';
  while (node && /rgba\\(0, 0, 0, 0\\)|transparent/.test(background)) {
    background = getComputedStyle(node).backgroundColor;
    node = node.parentElement;
  }
  const marks = [];
  chart.data.datasets.forEach((set, index) => {
    const meta = chart.getDatasetMeta(index);
    const paint = meta.type === 'line' ? set.borderColor : set.backgroundColor;
    marks.push([set.label, paint]);
  });
  const texts = [];
  Object.entries(chart.options.scales || {}).forEach(([id, scale]) => {
    texts.push([`${id} ticks`, scale.ticks.color]);
    if (scale.title && scale.title.display) texts.push([`${id} title`, scale.title.color]);
  });
  const legend = chart.options.plugins.legend;
  if (legend.display !== false) texts.push(['legend', legend.labels.color]);
  return { name: box.dataset.chart, background, marks, texts };
})"""


def _rgb(colour):
    """(r, g, b) of '#rrggbb', '#rgb' or 'rgb(a)(r, g, b[, a])' (the charts use opaque colours)."""
    colour = colour.strip()
    if colour.startswith("#"):
        digits = colour[1:]
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        return tuple(int(digits[i:i + 2], 16) for i in (0, 2, 4))
    match = re.match(r"rgba?\(\s*(\d+)[,\s]+(\d+)[,\s]+(\d+)(?:[,\s/]+([\d.]+))?", colour)
    assert match, f"not a colour: {colour!r}"
    assert match.group(4) is None or float(match.group(4)) == 1, f"a translucent colour: {colour!r}"
    return tuple(int(match.group(i)) for i in (1, 2, 3))


def _luminance(rgb):
    def channel(value):
        value /= 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first, second):
    """The WCAG contrast ratio of two colours."""
    lighter, darker = sorted((_luminance(_rgb(first)), _luminance(_rgb(second))), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_ratio_matches_wcag_examples():
    assert round(contrast("#000", "#fff"), 1) == 21.0
    assert round(contrast("#767676", "#ffffff"), 2) == 4.54
    assert round(contrast("rgb(26, 32, 44)", "#1a202c"), 2) == 1.0


def _charts(live_server, new_page, scheme, language=None):
    agent_name = _care_items(live_server.app, uuid.uuid4().hex[:8])
    page = new_page()
    page.emulate_media(color_scheme=scheme)
    sign_in_through_form(page, agent_name)
    if language:  # after signing in: the sign-in form's labels are the English ones the helper looks for
        page.set_extra_http_headers({"Accept-Language": language})
    page.goto("/staff/care/report")
    page.wait_for_function("Object.keys(Chart.instances).length === 8", timeout=TIMEOUT_MS)
    return page


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_every_chart_colour_stands_out_from_the_background(live_server, new_page, scheme):
    page = _charts(live_server, new_page, scheme)
    assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (scheme == "dark")
    charts = page.evaluate(CHART_COLOURS)
    assert len(charts) == 8
    failures = []
    for chart in charts:
        for label, colour in chart["marks"]:
            ratio = contrast(colour, chart["background"])
            if ratio < 3:
                failures.append(f"{chart['name']} {label}: {colour} on {chart['background']} is {ratio:.2f}:1")
        for label, colour in chart["texts"]:
            ratio = contrast(colour, chart["background"])
            if ratio < 4.5:
                failures.append(f"{chart['name']} {label}: {colour} on {chart['background']} is {ratio:.2f}:1")
        assert chart["marks"] and chart["texts"], chart
    assert not failures, "\n".join(failures)
    if scheme == "dark":  # the dark theme's own colours, not the light ones on a dark page
        assert all(_luminance(_rgb(chart["background"])) < 0.05 for chart in charts), charts


def test_switching_to_dark_redraws_the_charts_in_dark_colours(live_server, new_page):
    page = _charts(live_server, new_page, "light")
    light = page.evaluate(CHART_COLOURS)
    first = light[0]["marks"][0][1]
    page.emulate_media(color_scheme="dark")
    # The charts are built again (new instances) in the dark theme's colours.
    page.wait_for_function("""(light) => Object.keys(Chart.instances).length === 8
        && Object.values(Chart.instances)[0].data.datasets[0].backgroundColor !== light""", arg=first,
                           timeout=TIMEOUT_MS)
    dark = page.evaluate(CHART_COLOURS)
    assert [c["marks"] for c in dark] != [c["marks"] for c in light]
    for chart in dark:
        for label, colour in chart["marks"]:
            assert contrast(colour, chart["background"]) >= 3, (chart["name"], label, colour)


def test_in_french_the_charts_words_come_from_the_page(live_server, new_page):
    page = _charts(live_server, new_page, "dark", "fr-FR,fr;q=0.9")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mesurer l’assistance")
    labels = page.evaluate("""() => Object.values(Chart.instances).flatMap((chart) =>
        chart.data.datasets.map((set) => set.label))""")
    assert "Éléments ouverts" in labels and "Médiane" in labels and "Réclamations" in labels
    assert "Open items" not in labels and "Median" not in labels
    titles = page.evaluate("""() => Object.values(Chart.instances).flatMap((chart) =>
        Object.values(chart.options.scales).filter((s) => s.title && s.title.display).map((s) => s.title.text))""")
    assert sorted(titles) == ["Sentiment", "Éléments"]
