// Moving the known-at slider shows the position it stands on and, once let go, reloads the page there;
// changing the date does the same. Without this script the form's button does it.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form.axes");
  if (!form) return;
  const slider = form.querySelector("#known-at");
  const shown = form.querySelector("#known-at-value");
  slider.addEventListener("input", () => { shown.textContent = slider.value; });
  slider.addEventListener("change", () => form.requestSubmit());
  form.querySelector("#as-of").addEventListener("change", () => form.requestSubmit());
});
