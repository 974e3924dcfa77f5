// Progressive enhancement only: every page works without script.
document.addEventListener("DOMContentLoaded", () => {
  document.body.classList.add("js");
});
