// Care dashboard charts: draws the figures of the JSON data block with the vendored Chart.js.
// The tables beside each chart hold the same numbers, so the page works (and reads) without this file.
// Words come from the page (#care-chart-strings, in the reader's language) and colours from the
// stylesheet's --chart-* custom properties (light and dark themes); a change of theme redraws the charts.
(function () {
  "use strict";

  const source = document.getElementById("care-chart-data");
  if (!source || typeof window.Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const wordsBlock = document.getElementById("care-chart-strings");
  const words = wordsBlock ? JSON.parse(wordsBlock.textContent) : {};
  const Chart = window.Chart;

  // A phrase of the page with its {slots} filled: text("hours", { value: "2.5" }) -> "2,5 h" in French.
  const text = (key, slots = {}) => (words[key] || "").replace(/\{(\w+)\}/g,
    (slot, name) => (name in slots ? String(slots[name]) : slot));
  // Numbers in the page's language, with Latin digits as the tables beside the charts have them.
  const lang = `${document.documentElement.lang || "en"}-u-nu-latn`;
  const decimal = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
  const whole = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
  const share = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 1 });

  // The theme's chart colours, read again at each drawing (the stylesheet sets them for light and dark).
  let palette = {};
  function readPalette() {
    const css = getComputedStyle(document.documentElement);
    const color = (name) => css.getPropertyValue(name).trim() || undefined;
    palette = {
      brand: color("--chart-brand"), ok: color("--chart-ok"), warn: color("--chart-warn"),
      danger: color("--chart-danger"), staff: color("--chart-staff"), line: color("--chart-line"),
      text: color("--chart-text"), grid: color("--chart-grid"),
    };
    Chart.defaults.font.family = color("--font") || Chart.defaults.font.family;
    if (palette.text) Chart.defaults.color = palette.text;
    if (palette.grid) Chart.defaults.borderColor = palette.grid;
  }
  readPalette();
  Chart.defaults.maintainAspectRatio = false;
  // People who ask for less motion get the final chart at once.
  if (window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches) {
    Chart.defaults.animation = false;
  }

  const none = () => words.none || "—";
  const minutes = (value) => {
    if (value === null || value === undefined) return none();
    return value >= 120 ? text("hours", { value: decimal.format(value / 60) }) : text("minutes", { value: whole.format(value) });
  };
  const percent = (value) => (value === null || value === undefined ? none() : share.format(value / 100));
  const wholeNumbers = { beginAtZero: true, ticks: { precision: 0 } };

  const drawn = []; // [canvas, make, series, chart]: redrawn in the other theme's colours
  function draw(name, config, hasData = (series) => series.labels.length > 0) {
    const box = document.querySelector(`[data-chart="${name}"]`);
    const series = data[name];
    if (!box || !series || !hasData(series)) return; // nothing to draw: the table says so
    box.hidden = false; // before drawing, so Chart.js measures a visible box
    const canvas = box.querySelector("canvas");
    drawn.push([canvas, config, series, new Chart(canvas, config(series))]);
  }

  const countBars = (colour, horizontal) => (series) => ({
    type: "bar",
    data: { labels: series.labels, datasets: [{ label: text("open_items"), data: series.values, backgroundColor: palette[colour] }] },
    options: {
      indexAxis: horizontal ? "y" : "x",
      plugins: { legend: { display: false } },
      scales: horizontal ? { x: wholeNumbers } : { y: wholeNumbers },
    },
  });

  draw("open_by_status", countBars("brand"));
  draw("open_by_team", countBars("staff"));
  draw("open_by_assignee", countBars("ok", true));

  const compliance = (series) => ({
    type: "bar",
    data: {
      labels: series.labels,
      // minBarLength: a 0% bar still shows, so nobody mistakes it for a missing figure.
      datasets: [{ label: text("clocks_met"), data: series.percent, backgroundColor: palette.ok, minBarLength: 3 }],
    },
    options: {
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: (item) => text("compliance_tooltip", {
              percent: percent(item.raw), met: whole.format(series.met[item.dataIndex]),
              decided: whole.format(series.decided[item.dataIndex]),
            }),
          },
        },
      },
      scales: { y: { beginAtZero: true, max: 100, ticks: { callback: (value) => percent(value) } } },
    },
  });
  draw("compliance_category", compliance);
  draw("compliance_team", compliance);

  draw("times", (series) => ({
    type: "bar",
    data: {
      labels: series.labels,
      datasets: [
        { label: text("median"), data: series.median, backgroundColor: palette.brand },
        { label: text("p90"), data: series.p90, backgroundColor: palette.warn },
      ],
    },
    options: {
      plugins: {
        tooltip: { callbacks: { label: (item) => text("dataset_value", { series: item.dataset.label, value: minutes(item.raw) }) } },
      },
      scales: { y: { beginAtZero: true, ticks: { callback: (value) => minutes(value) } } },
    },
  }), (series) => series.count.some((count) => count > 0));

  draw("weekly", (series) => ({
    type: "bar",
    data: {
      labels: series.labels,
      datasets: [
        { label: text("care_items"), data: series.items, backgroundColor: palette.brand, yAxisID: "y" },
        { label: text("complaints"), data: series.complaints, backgroundColor: palette.danger, yAxisID: "y" },
        {
          type: "line", label: text("average_sentiment"), data: series.sentiment, yAxisID: "sentiment",
          borderColor: palette.line, backgroundColor: palette.line, tension: 0.2,
        },
      ],
    },
    options: {
      scales: {
        y: { ...wholeNumbers, position: "left", title: { display: true, text: text("items_axis") } },
        sentiment: {
          position: "right", suggestedMin: -1, suggestedMax: 1,
          grid: { drawOnChartArea: false }, title: { display: true, text: text("sentiment_axis") },
        },
      },
    },
  }));

  draw("satisfaction", (series) => ({
    type: "bar",
    data: {
      labels: series.labels,
      datasets: [{ label: text("satisfied"), data: series.percent, backgroundColor: palette.ok }],
    },
    options: {
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: (item) => text("satisfaction_tooltip", {
              percent: percent(item.raw), rated: whole.format(series.rated[item.dataIndex]),
            }),
          },
        },
      },
      scales: { y: { beginAtZero: true, max: 100, ticks: { callback: (value) => percent(value) } } },
    },
  }), (series) => series.rated.some((rated) => rated > 0));

  // The reader's system switches between light and dark: draw again in that theme's colours.
  if (window.matchMedia) {
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
      readPalette();
      drawn.forEach((entry) => {
        entry[3].destroy();
        entry[3] = new Chart(entry[0], entry[1](entry[2]));
      });
    });
  }
})();
