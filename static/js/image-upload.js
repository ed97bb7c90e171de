// Image uploads from the post forms: the chosen image is uploaded at once and its Markdown inserted at the
// cursor. Without this file the upload form still works: it opens the upload page with the Markdown to copy.
(function () {
  "use strict";

  const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

  // The page's words for what this script says (#pd-strings, from the server, in the page's language).
  const t = (key, fallback) => window.peerdeskText(key, fallback);

  function insertAtCursor(textarea, text) {
    const start = textarea.selectionStart ?? textarea.value.length;
    const end = textarea.selectionEnd ?? start;
    const before = textarea.value.slice(0, start);
    // On a line of its own, so the image does not run into the sentence around it.
    const prefix = before && !before.endsWith("\n") ? "\n" : "";
    textarea.setRangeText(`${prefix}${text}\n`, start, end, "end");
    textarea.focus();
    textarea.dispatchEvent(new Event("input", { bubbles: true }));  // the live preview follows
  }

  function altFrom(fileName) {
    return fileName.replace(/\.[^.]*$/, "").replace(/[_\-\[\]\\]+/g, " ").trim() || t("imageAlt", "image");
  }

  function setUp(form) {
    if (form.dataset.imageUploadReady) return;  // the script is included once per form on a page
    form.dataset.imageUploadReady = "1";
    const input = form.querySelector("input[type=file]");
    const status = form.querySelector("[data-image-upload-status]");
    const textarea = document.getElementById(form.dataset.target);
    if (!input || !textarea) return;

    async function upload() {
      const file = input.files[0];
      if (!file) return;
      const body = new FormData();
      body.append("image", file);
      body.append("alt", altFrom(file.name));
      status.textContent = t("uploading", "Uploading…");
      try {
        const response = await fetch(form.action, {
          method: "POST", body, credentials: "same-origin",
          headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" },
        });
        const data = await response.json();
        if (!response.ok) { status.textContent = data.error?.message || t("uploadFailed", "The image could not be uploaded."); return; }
        insertAtCursor(textarea, data.markdown);
        status.textContent = t("imageAdded", "Image added to your post.");
        input.value = "";
      } catch (error) {
        status.textContent = t("uploadOffline", "The image could not be uploaded. Check your connection and try again.");
      }
    }

    input.addEventListener("change", upload);
    form.addEventListener("submit", (event) => { event.preventDefault(); upload(); });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-image-upload]").forEach(setUp);
  });
}());
