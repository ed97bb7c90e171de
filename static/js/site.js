// Progressive enhancements: everything works without this file; it only makes it smoother.
(function () {
  "use strict";

  const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

  function debounce(fn, ms) {
    let timer;
    return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
  }

  // Ask before destructive actions.
  document.addEventListener("submit", (event) => {
    const message = event.target.dataset?.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // Live preview of Markdown bodies, rendered by the server exactly as it will be saved.
  function setUpPreview(form) {
    const textarea = form.querySelector("textarea[name=body]");
    const box = form.querySelector("[data-preview]");
    const target = form.querySelector("[data-preview-body]");
    if (!textarea || !box || !target) return;
    let latest = 0;
    const update = debounce(async () => {
      const text = textarea.value;
      if (!text.trim()) { box.hidden = true; return; }
      const request = ++latest;
      const body = new URLSearchParams({ body: text });
      try {
        const response = await fetch("/preview", {
          method: "POST", body, credentials: "same-origin",
          headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" },
        });
        const data = await response.json();
        if (request !== latest) return;  // a newer keystroke already asked
        if (data.html !== undefined) {
          target.innerHTML = data.html;  // sanitized by the server, the same HTML the page will show
        } else {
          target.textContent = data.error?.message || "Preview unavailable.";
        }
        box.hidden = false;
      } catch (error) {
        // Preview is a nicety; the form still posts without it.
      }
    }, 300);
    // Only after the first keystroke: a page that opens with a draft already shows it as saved.
    textarea.addEventListener("input", update);
  }

  // Votes without a page reload; the plain form is the fallback.
  async function vote(form, button) {
    const response = await fetch(form.action, {
      method: "POST", credentials: "same-origin",
      body: new URLSearchParams({ value: button.value }),
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" },
    });
    const data = await response.json();
    if (!response.ok) { window.alert(data.error?.message || "Your vote could not be recorded."); return; }
    form.querySelector("[data-score]").textContent = data.score;
    const wasActive = button.classList.contains("is-active");
    form.querySelectorAll(".vote").forEach((b) => { b.classList.remove("is-active"); b.setAttribute("aria-pressed", "false"); });
    if (!wasActive) { button.classList.add("is-active"); button.setAttribute("aria-pressed", "true"); }
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-preview-form]").forEach(setUpPreview);
    document.querySelectorAll(".vote-form").forEach((form) => {
      form.addEventListener("submit", (event) => {
        if (!event.submitter) return;
        event.preventDefault();
        vote(form, event.submitter).catch(() => form.submit());
      });
    });
  });
})();
