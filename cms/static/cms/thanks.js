// The card thank-you page checks the gift's status a bounded number of times, never by
// reloading itself (WCAG 2.2.1), and writes each new message into the page's status region,
// which screen readers announce. After the last check the donor checks again when they choose.
(function () {
  "use strict";
  var region = document.querySelector(".gift-status[data-check-url]");
  if (!region || typeof fetch === "undefined") return;
  var url = region.dataset.checkUrl;
  var again = document.querySelector("[data-check-again]");
  var link = document.querySelector("[data-check-again-link]");
  var stoppedText = region.dataset.stoppedText;
  var delays = [2, 3, 5, 8, 12, 20]; // seconds: about 50 s in all, six checks
  var timer = null, busy = false;

  function show(result) {
    if (region.dataset.state !== result.state) {
      region.innerHTML = result.html; // our own template, rendered by the server
      region.dataset.state = result.state;
      region.dataset.status = result.status;
    }
    if (result.final) {
      region.removeAttribute("data-check-url");
      if (again) again.hidden = true;
    }
  }

  function check(next) {
    if (busy) return;
    busy = true;
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
      .then(function (result) { show(result); return result.final; })
      .catch(function () { return false; }) // offline or refused: try again later, as if still waiting
      .then(function (final) { busy = false; if (!final) next(); });
  }

  function schedule() {
    var delay = delays.shift();
    if (delay === undefined) {
      if (stoppedText && !region.querySelector("[data-stopped]")) {
        var note = document.createElement("p");
        note.setAttribute("data-stopped", "");
        note.textContent = stoppedText;
        region.appendChild(note);
      }
      return;
    }
    timer = window.setTimeout(function () { check(schedule); }, delay * 1000);
  }

  if (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var stopped = region.querySelector("[data-stopped]");
      if (stopped) stopped.remove();
      if (timer) window.clearTimeout(timer);
      check(function () {}); // one check per click, on the donor's word
    });
  }
  schedule();
})();
