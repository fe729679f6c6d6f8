// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll(".print-button")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
  // Bring an error summary into view and focus so keyboard and screen-reader users meet it first.
  const summary = document.querySelector(".error-summary");
  if (summary) {
    summary.setAttribute("tabindex", "-1");
    summary.focus();
  }
});
