// The public buttons, "Did this answer help you?" and "I have this problem too": sent without leaving the page
// (the plain forms work without script). A press from a browser without our visitor cookie counts nothing and
// gets one; it is sent once more, now with the cookie, so a real browser's first press counts.
class PressError extends Error {}

// The page's words for what this script says (#pd-strings, from the server, in the page's language); the English
// given here is the fallback. A plural message has one form per plural category of the language.
const helpfulText = (...args) => window.peerdeskText(...args);  // site.js (it runs first) reads them

async function press(form, data) {
  const send = async () => {
    const response = await fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" },
    });
    const body = await response.json().catch(() => null);
    if (!response.ok) throw new PressError(body && body.error ? body.error.message : "");
    return body;
  };
  let body = await send();
  if (body.retry) body = await send();
  if (body.retry) throw new PressError(helpfulText("cookieNotKept", "Your browser did not keep our cookie, so your press was not counted."));
  return body;
}

function submitted(event, selector) {
  const form = event.target.closest(selector);
  if (!form) return null;
  event.preventDefault();
  const data = new FormData(form);
  if (event.submitter && event.submitter.name) data.set(event.submitter.name, event.submitter.value);
  return { form, data };
}

function failed(status, error) {
  status.textContent = (error instanceof PressError && error.message) || helpfulText("pressFailed", "Sorry, that did not work. Please try again.");
}

document.addEventListener("submit", async (event) => {
  const sent = submitted(event, "[data-helpful]");
  if (!sent) return;
  const { form, data } = sent;
  const status = form.querySelector("[data-helpful-status]");
  form.querySelectorAll("button").forEach((button) => { button.disabled = true; });
  try {
    const body = await press(form, data);
    status.textContent = body.message;
    form.querySelectorAll("button").forEach((button) => button.remove());
  } catch (error) {
    failed(status, error);
    form.querySelectorAll("button").forEach((button) => { button.disabled = false; });
  }
});

document.addEventListener("submit", async (event) => {
  const sent = submitted(event, "[data-same-problem]");
  if (!sent) return;
  const { form, data } = sent;
  const status = form.querySelector("[data-same-problem-status]");
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    const body = await press(form, data);
    const count = document.querySelector("[data-same-count]");
    count.textContent = helpfulText("sameProblem",
      { one: "%(num)s person has this problem", other: "%(num)s people have this problem" }, { num: body.count }, body.count);
    count.hidden = body.count === 0;
    status.textContent = body.message;
  } catch (error) {
    failed(status, error);
  }
  button.disabled = false;
});
