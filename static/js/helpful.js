// "Did this answer help you?": send the choice without leaving the page (the plain form works without script).
document.addEventListener("submit", async (event) => {
  const form = event.target.closest("[data-helpful]");
  if (!form) return;
  event.preventDefault();
  const data = new FormData(form);
  if (event.submitter && event.submitter.name) data.set(event.submitter.name, event.submitter.value);
  const status = form.querySelector("[data-helpful-status]");
  form.querySelectorAll("button").forEach((button) => { button.disabled = true; });
  try {
    const response = await fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" },
    });
    if (!response.ok) throw new Error(String(response.status));
    const body = await response.json();
    status.textContent = body.message;
    form.querySelectorAll("button").forEach((button) => button.remove());
  } catch (error) {
    status.textContent = "Sorry, that did not work. Please try again.";
    form.querySelectorAll("button").forEach((button) => { button.disabled = false; });
  }
});
