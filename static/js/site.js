// Progressive enhancements: everything works without this file; it only makes it smoother.
(function () {
  "use strict";

  const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

  // The page's words for what this script says, in the page's language (#pd-strings, from the server); the
  // English given here is the fallback. A plural message has one form per plural category of the language.
  let strings;
  function t(key, fallback, params = {}, count) {
    if (strings === undefined) {
      try { strings = JSON.parse(document.getElementById("pd-strings")?.textContent || "{}"); }
      catch (error) { strings = {}; }
    }
    let text = strings[key] ?? fallback;
    if (text && typeof text === "object") {
      let category = "other";
      try { category = new Intl.PluralRules(document.documentElement.lang || "en").select(count); } catch (error) { /* other */ }
      text = text[category] ?? text.other ?? fallback.other ?? "";
    }
    return String(text).replace(/%\((\w+)\)[sd]/g, (placeholder, name) => (name in params ? String(params[name]) : placeholder));
  }
  window.peerdeskText = t;  // helpful.js and image-upload.js speak through it (site.js runs first)
  const plural = (one, other) => ({ one, other });

  // One polite status region for short announcements (a new score, a refreshed preview).
  let statusRegion;
  function announce(message) {
    if (!statusRegion) {
      statusRegion = document.createElement("p");
      statusRegion.className = "visually-hidden";
      statusRegion.setAttribute("role", "status");
      statusRegion.setAttribute("aria-live", "polite");
      document.body.append(statusRegion);
    }
    // Cleared first, so the same words said twice are announced twice.
    statusRegion.textContent = "";
    setTimeout(() => { statusRegion.textContent = message; }, 50);
  }

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
    // A live preview would read the whole draft again at every pause: a short status says it changed instead.
    box.removeAttribute("aria-live");
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
          target.textContent = data.error?.message || t("previewUnavailable", "Preview unavailable.");
        }
        const first = box.hidden;
        box.hidden = false;
        if (first) announce(t("previewShown", "Preview shown below the text box."));
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
    if (!response.ok) { window.alert(data.error?.message || t("voteFailed", "Your vote could not be recorded.")); return; }
    showVote(form, data);
  }

  // The page shows the vote and score the server answered, not what this tab guessed: another tab may have voted.
  function showVote(form, { score, vote: current }) {
    form.querySelector("[data-score]").textContent = score;
    announce(current === 1 ? t("scoreUp", "Score %(score)s. You voted it useful.", { score })
      : current === -1 ? t("scoreDown", "Score %(score)s. You voted it not useful.", { score })
        : t("scoreNone", "Score %(score)s. No vote from you.", { score }));
    form.querySelectorAll(".vote[data-direction]").forEach((arrow) => {
      const direction = Number(arrow.dataset.direction);
      const lit = current === direction;
      arrow.classList.toggle("is-active", lit);
      arrow.setAttribute("aria-pressed", String(lit));
      arrow.value = String(lit ? 0 : direction);  // pressing a lit arrow asks for no vote
    });
  }

  // Suggestions while asking: existing threads that may answer the question before it is posted.
  const DRAFT_KEY = "peerdesk.askDraft";

  // A suggestions combobox (WAI-ARIA 1.2 pattern): results under an input, arrows to move,
  // Enter to open, Escape to close. Without JavaScript the input is a plain form field.
  function attachSuggestions({ input, box, query, onOpen = () => {} }) {
    const list = box.querySelector("[role=listbox]");
    const status = box.querySelector("[data-suggestions-status]");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    let items = [];
    let active = -1;
    let latest = 0;

    function close() {
      box.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      const options = list.querySelectorAll("[role=option]");
      options.forEach((option, i) => option.setAttribute("aria-selected", i === index ? "true" : "false"));
      active = index;
      input.setAttribute("aria-activedescendant", options[index].id);
    }

    function render(results) {
      items = results;
      list.replaceChildren();
      results.forEach((item, index) => {
        const option = document.createElement("li");
        option.className = "suggestion";
        option.id = `${list.id}-${index}`;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        // No link inside the option (an interactive element nested in another): the whole option opens the thread.
        const title = document.createElement("span");
        title.className = "suggestion-title";
        title.textContent = item.title;
        const meta = document.createElement("div");
        meta.className = "suggestion-meta";
        meta.textContent = [
          ...(item.resolved ? [t("resolvedMark", "✓ Resolved")] : []),
          t("votes", plural("%(num)s vote", "%(num)s votes"), { num: item.score }, Math.abs(item.score)),
          t("answers", plural("%(num)s answer", "%(num)s answers"), { num: item.answer_count }, item.answer_count),
        ].join(" · ");
        const snippet = document.createElement("p");
        snippet.className = "suggestion-snippet";
        snippet.innerHTML = item.snippet;  // escaped by the server, with matches in <mark>
        if (item.excerpt_of === "accepted answer") {
          // A solved thread shows its accepted answer: the asker may need nothing more.
          const label = document.createElement("strong");
          label.className = "suggestion-source";
          label.textContent = `${t("acceptedAnswer", "Accepted answer:")} `;
          snippet.prepend(label);
        }
        option.append(title, meta, snippet);
        // Keep focus in the input (so blur does not close the list), then follow the click.
        option.addEventListener("mousedown", (event) => event.preventDefault());
        option.addEventListener("click", () => open(index));
        list.append(option);
      });
      box.hidden = results.length === 0;
      input.setAttribute("aria-expanded", results.length ? "true" : "false");
      input.removeAttribute("aria-activedescendant");
      if (status) {
        status.textContent = results.length ? t("similarFound",
          plural("%(num)s similar question found", "%(num)s similar questions found"),
          { num: results.length }, results.length) : "";
      }
      active = -1;
    }

    function open(index) {
      onOpen(items[index]);
      window.location.assign(items[index].url);
    }

    const update = debounce(async () => {
      const text = query();
      if (text.trim().length < 3) { close(); return; }
      const request = ++latest;
      try {
        const response = await fetch(`/api/v1/suggest?limit=5&q=${encodeURIComponent(text)}`,
          { headers: { "Accept": "application/json" } });
        const data = await response.json();
        if (request === latest) render(data.results || []);
      } catch (error) {
        // Suggestions are a help, not a requirement: the form still works.
      }
    }, 200);

    input.addEventListener("keydown", (event) => {
      if (event.key === "Escape") { close(); return; }
      if (box.hidden || !items.length) return;
      if (event.key === "ArrowDown") { event.preventDefault(); highlight((active + 1) % items.length); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight((active - 1 + items.length) % items.length); }
      else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        open(active);
      }
    });
    input.addEventListener("blur", () => setTimeout(close, 150));
    return update;
  }

  // On the ask form: existing threads that may answer the question before it is posted.
  function setUpAskSuggestions(form) {
    const title = form.querySelector("input[name=title]");
    const body = form.querySelector("textarea[name=body]");
    const tags = form.querySelector("input[name=tags]");
    const box = form.querySelector("[data-suggestions]");
    if (!title || !body || !box) return;
    // The server gives each browser session its draft token: one made here would be refused.
    const token = form.querySelector("input[name=draft]")?.value || "";

    // Coming back from a suggestion: the draft is where the asker left it.
    const saved = JSON.parse(sessionStorage.getItem(DRAFT_KEY) || "null");
    if (saved && !title.value && !body.value) {
      title.value = saved.title || "";
      body.value = saved.body || "";
      if (tags) tags.value = saved.tags || "";
    }

    const update = attachSuggestions({
      input: title,
      box,
      // The title leads; the start of the body sharpens it once there is one.
      query: () => (body.value.trim() ? `${title.value.trim()} ${body.value.slice(0, 300)}` : title.value),
      onOpen: (item) => {
        sessionStorage.setItem(DRAFT_KEY, JSON.stringify(
          { title: title.value, body: body.value, tags: tags ? tags.value : "" }));
        if (!token) return;
        // The session cookie proves the draft is this browser's; like the rest of the API, no CSRF token.
        fetch("/api/v1/suggest/opened", {
          method: "POST", keepalive: true, credentials: "same-origin", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ draft: token, question_id: item.id }),
        }).catch(() => {});
      },
    });
    title.addEventListener("input", update);
    body.addEventListener("input", update);
    // Enter in the title opens the highlighted suggestion (above); with none highlighted it must not post a
    // half-written question: the asker goes on to the details.
    title.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !title.hasAttribute("aria-activedescendant")) event.preventDefault();
    });
    form.addEventListener("submit", () => {
      sessionStorage.removeItem(DRAFT_KEY);
    });
  }

  // In the header: the same suggestions; Enter without a chosen one runs a full search.
  function setUpHeaderSuggestions(form) {
    const input = form.querySelector("input[name=q]");
    const box = form.querySelector("[data-suggestions]");
    if (!input || !box) return;
    input.addEventListener("input", attachSuggestions({ input, box, query: () => input.value }));
  }

  // In a moderator's close box: matches for the original's title appear as radio buttons while typing,
  // from the suggestions API; without this the search form reloads the page with the same list.
  function setUpDuplicateSearch(form) {
    const input = form.querySelector("input[name=duplicate_query]");
    const results = document.getElementById(input?.getAttribute("aria-controls") || "");
    const matches = results?.querySelector("[data-duplicate-matches]");
    if (!input || !matches) return;
    const candidateName = form.dataset.candidateName || "candidate";
    let latest = 0;

    function match(result) {
      const label = document.createElement("label");
      const radio = document.createElement("input");
      radio.type = "radio";
      radio.name = candidateName;
      radio.value = String(result.id);
      label.append(radio, ` ${result.title}`);
      if (result.resolved) {
        const badge = document.createElement("span");
        badge.className = "badge badge-resolved";
        badge.textContent = t("resolved", "Resolved");
        label.append(" ", badge);
      }
      const link = document.createElement("a");
      link.href = result.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = t("open", "open");
      const hint = document.createElement("span");
      hint.className = "visually-hidden";
      hint.textContent = ` ${t("inNewTab", "“%(title)s” in a new tab", { title: result.title })}`;
      link.append(hint);
      return [label, link];
    }

    // A finished query (Enter, Find) ends in a space: its last word is whole, as on the server.
    async function search(complete) {
      const text = input.value.trim();
      const request = ++latest;
      if (text.length < 2) {
        results.hidden = true;
        return;
      }
      const query = encodeURIComponent(complete ? `${text} ` : text);
      const response = await fetch(`/api/v1/suggest?limit=10&exclude=${form.dataset.exclude}&q=${query}`,
        { headers: { "Accept": "application/json" } });
      const data = await response.json();
      if (request !== latest) return;
      results.querySelector("[data-duplicate-query]").textContent = text;
      const items = (data.results || []).flatMap(match);
      if (!items.length) {
        const empty = document.createElement("p");
        empty.className = "empty";
        empty.textContent = t("noMatch", "No question matches: try other words from its title.");
        items.push(empty);
      }
      matches.replaceChildren(...items);
      results.hidden = false;
    }

    input.addEventListener("input", debounce(() => search(false).catch(() => {}), 200));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      search(true).catch(() => form.submit());
    });
  }

  // A form sent back with errors: the summary the server put at its top (templates/_partials/macros.html) links
  // to each field in error; it takes the focus, so a keyboard or screen reader user starts from the list of what
  // to fix, and its links move the focus to their field. A form whose errors the server gave no summary (fields
  // rendered by hand) gets one built here from its field errors.
  const focusOnClick = (link, control) => link.addEventListener("click", (event) => { event.preventDefault(); control.focus(); });
  let summaries = 0;
  function summariseErrors(form) {
    const rendered = form.querySelector(".error-summary");
    if (rendered) {
      rendered.querySelectorAll("a[href^='#']").forEach((link) => {
        const control = document.getElementById(decodeURIComponent(link.hash.slice(1)));
        if (control) focusOnClick(link, control);
      });
      return rendered;
    }
    const errors = [...form.querySelectorAll(".field-error")].filter((error) => error.textContent.trim());
    if (!errors.length) return null;
    const id = `error-summary-${++summaries}`;
    const box = document.createElement("div");
    box.className = "error-summary";
    box.tabIndex = -1;
    box.setAttribute("role", "group");
    box.setAttribute("aria-labelledby", id);
    const heading = document.createElement("h2");
    heading.id = id;
    heading.textContent = t("problems", plural("There is a problem with this form", "There are problems with this form"),
      {}, errors.length);
    const list = document.createElement("ul");
    errors.forEach((error) => {
      const control = (error.id && form.querySelector(`[aria-describedby~="${error.id}"]`))
        || error.closest(".field, fieldset")?.querySelector("input:not([type=hidden]), textarea, select");
      const item = document.createElement("li");
      // A group of checkboxes or radio buttons is named by its legend, not by its first option.
      const legend = control?.matches("[type=checkbox], [type=radio]") && control.closest("fieldset")?.querySelector("legend");
      const label = (legend || control?.labels?.[0])?.textContent.trim();
      const message = error.textContent.trim();
      const text = label ? t("fieldError", "%(field)s: %(error)s", { field: label, error: message }) : message;
      if (control?.id) {
        const link = document.createElement("a");
        link.href = `#${control.id}`;
        link.textContent = text;
        focusOnClick(link, control);
        item.append(link);
      } else {
        item.textContent = text;
      }
      list.append(item);
    });
    box.append(heading, list);
    const first = [...form.children].find((child) => !child.matches("input[type=hidden]"));
    form.insertBefore(box, first || null);
    return box;
  }

  // Small screens: the navigation folds behind the menu button. The button starts hidden in the HTML, so
  // without this script there is no button and the navigation is simply shown.
  function setUpMenu(header) {
    const button = header.querySelector(".menu-button");
    const menu = document.getElementById(button?.getAttribute("aria-controls") || "");
    if (!button || !menu) return;
    const show = (open) => {
      button.setAttribute("aria-expanded", String(open));
      menu.classList.toggle("is-open", open);
    };
    header.classList.add("has-menu");
    button.hidden = false;
    button.addEventListener("click", () => show(button.getAttribute("aria-expanded") !== "true"));
    menu.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true"
          && getComputedStyle(button).display !== "none") {
        show(false);
        button.focus();
      }
    });
  }

  // While the header is sticky (wide, tall screens), anchors and focused elements scroll clear of its real height.
  function trackHeaderHeight(header) {
    const measure = () => document.documentElement.style.setProperty("--header-height", `${header.offsetHeight}px`);
    measure();
    if (window.ResizeObserver) new ResizeObserver(measure).observe(header);
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll(".site-header").forEach((header) => { setUpMenu(header); trackHeaderHeight(header); });
    const summary = [...document.querySelectorAll("main form")].map(summariseErrors).find(Boolean);
    if (summary) summary.focus();
    // A block that scrolls sideways (wide code, a wide table) can be scrolled with the keyboard too.
    document.querySelectorAll(".prose pre, .prose table, .table-scroll, .data-table").forEach((block) => {
      if (block.scrollWidth > block.clientWidth + 1 && !block.hasAttribute("tabindex")) block.tabIndex = 0;
    });
    document.querySelectorAll("[data-duplicate-search]").forEach(setUpDuplicateSearch);
    document.querySelectorAll("[data-preview-form]").forEach(setUpPreview);
    document.querySelectorAll("[data-suggest-form]").forEach(setUpAskSuggestions);
    document.querySelectorAll(".header-search").forEach(setUpHeaderSuggestions);
    document.querySelectorAll(".vote-form").forEach((form) => {
      form.addEventListener("submit", (event) => {
        if (!event.submitter) return;
        event.preventDefault();
        vote(form, event.submitter).catch(() => form.submit());
      });
    });
  });
})();
