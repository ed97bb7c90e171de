// Care dashboard charts: draws the figures of the JSON data block with the vendored Chart.js.
// The tables beside each chart hold the same numbers, so the page works (and reads) without this file.
(function () {
  "use strict";

  const source = document.getElementById("care-chart-data");
  if (!source || typeof window.Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const Chart = window.Chart;

  const css = getComputedStyle(document.documentElement);
  const color = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
  const palette = {
    brand: color("--brand", "#3b5bdb"),
    ok: color("--ok", "#2b8a3e"),
    warn: color("--warn", "#e8590c"),
    danger: color("--danger", "#c92a2a"),
    staff: color("--staff", "#7048e8"),
    muted: color("--muted", "#5b6475"),
    ink: color("--ink", "#1d2433"),
    line: color("--line", "#e3e6ec"),
  };

  Chart.defaults.font.family = color("--font", Chart.defaults.font.family);
  Chart.defaults.color = palette.muted;
  Chart.defaults.borderColor = palette.line;
  Chart.defaults.maintainAspectRatio = false;
  // People who ask for less motion get the final chart at once.
  if (window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches) {
    Chart.defaults.animation = false;
  }

  const minutes = (value) => {
    if (value === null || value === undefined) return "—";
    return value >= 120 ? `${(value / 60).toFixed(1)} h` : `${Math.round(value)} min`;
  };
  const percent = (value) => (value === null || value === undefined ? "—" : `${value}%`);
  const wholeNumbers = { beginAtZero: true, ticks: { precision: 0 } };

  function draw(name, config, hasData = (series) => series.labels.length > 0) {
    const box = document.querySelector(`[data-chart="${name}"]`);
    const series = data[name];
    if (!box || !series || !hasData(series)) return; // nothing to draw: the table says so
    box.hidden = false; // before drawing, so Chart.js measures a visible box
    new Chart(box.querySelector("canvas"), config(series));
  }

  const countBars = (label, colour, horizontal) => (series) => ({
    type: "bar",
    data: { labels: series.labels, datasets: [{ label, data: series.values, backgroundColor: colour }] },
    options: {
      indexAxis: horizontal ? "y" : "x",
      plugins: { legend: { display: false } },
      scales: horizontal ? { x: wholeNumbers } : { y: wholeNumbers },
    },
  });

  draw("open_by_status", countBars("Open items", palette.brand));
  draw("open_by_team", countBars("Open items", palette.staff));
  draw("open_by_assignee", countBars("Open items", palette.ok, true));

  const compliance = (series) => ({
    type: "bar",
    data: {
      labels: series.labels,
      // minBarLength: a 0% bar still shows, so nobody mistakes it for a missing figure.
      datasets: [{ label: "Clocks met in time", data: series.percent, backgroundColor: palette.ok, minBarLength: 3 }],
    },
    options: {
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: (item) => `${percent(item.raw)} (${series.met[item.dataIndex]} of ${series.decided[item.dataIndex]} clocks)`,
          },
        },
      },
      scales: { y: { beginAtZero: true, max: 100, ticks: { callback: (value) => `${value}%` } } },
    },
  });
  draw("compliance_category", compliance);
  draw("compliance_team", compliance);

  draw("times", (series) => ({
    type: "bar",
    data: {
      labels: series.labels,
      datasets: [
        { label: "Median", data: series.median, backgroundColor: palette.brand },
        { label: "p90", data: series.p90, backgroundColor: palette.warn },
      ],
    },
    options: {
      plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${minutes(item.raw)}` } } },
      scales: { y: { beginAtZero: true, ticks: { callback: (value) => minutes(value) } } },
    },
  }), (series) => series.count.some((count) => count > 0));

  draw("weekly", (series) => ({
    type: "bar",
    data: {
      labels: series.labels,
      datasets: [
        { label: "Care items", data: series.items, backgroundColor: palette.brand, yAxisID: "y" },
        { label: "Complaints", data: series.complaints, backgroundColor: palette.danger, yAxisID: "y" },
        {
          type: "line", label: "Average sentiment", data: series.sentiment, yAxisID: "sentiment",
          borderColor: palette.ink, backgroundColor: palette.ink, tension: 0.2,
        },
      ],
    },
    options: {
      scales: {
        y: { ...wholeNumbers, position: "left", title: { display: true, text: "Items" } },
        sentiment: {
          position: "right", suggestedMin: -1, suggestedMax: 1,
          grid: { drawOnChartArea: false }, title: { display: true, text: "Sentiment" },
        },
      },
    },
  }));

  draw("satisfaction", (series) => ({
    type: "bar",
    data: {
      labels: series.labels,
      datasets: [{ label: "Said it solved their problem", data: series.percent, backgroundColor: palette.ok }],
    },
    options: {
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: { label: (item) => `${percent(item.raw)} of ${series.rated[item.dataIndex]} who answered` },
        },
      },
      scales: { y: { beginAtZero: true, max: 100, ticks: { callback: (value) => `${value}%` } } },
    },
  }), (series) => series.rated.some((rated) => rated > 0));
})();
