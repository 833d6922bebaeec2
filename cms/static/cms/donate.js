// Shows only the parts of the donation form that apply to the choices made. Without this script
// every part is shown and the server still checks everything.
(function () {
  "use strict";
  var form = document.getElementById("donate-form");
  if (!form) return;
  function value(name) {
    var checked = form.querySelector('input[name="' + name + '"]:checked');
    if (checked) return checked.value;
    var field = form.querySelector('[name="' + name + '"]');
    return field && field.type !== "radio" ? field.value : "";
  }
  function show(el, visible) {
    el.hidden = !visible;
    // Hidden inputs must not block submission or be read out.
    // The formset's hidden management inputs are always sent: without them the server cannot
    // read the goods lines at all.
    el.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (input) {
      input.disabled = !visible;
    });
  }
  function update() {
    var kind = value("kind"), method = value("payment_method"), frequency = value("frequency") || "once";
    form.querySelectorAll("[data-show-for]").forEach(function (el) {
      var kinds = el.getAttribute("data-show-for").split(" ");
      var visible = kinds.indexOf(kind) !== -1;
      var wanted = el.getAttribute("data-show-frequency");
      if (wanted) visible = visible && frequency === wanted;
      show(el, visible);
    });
    form.querySelectorAll("[data-show-method]").forEach(function (el) {
      show(el, method === el.getAttribute("data-show-method"));
    });
    form.querySelectorAll("[data-show-donor]").forEach(function (el) {
      show(el, value("donor_kind") === el.getAttribute("data-show-donor"));
    });
    form.querySelectorAll("[data-show-payer]").forEach(function (el) {
      var box = form.querySelector('[name="paid_by_other"]');
      show(el, !!(box && box.checked));
    });
  }
  // A preset clears the typed amount and the other way round, so only one is sent.
  form.addEventListener("change", function (event) {
    if (event.target.name === "preset" && event.target.value !== "other") {
      var amount = form.querySelector('[name="amount"]');
      if (amount) amount.value = "";
    }
    update();
  });
  form.addEventListener("input", function (event) {
    if (event.target.name === "amount" && event.target.value) {
      var other = form.querySelector('input[name="preset"][value="other"]');
      if (other) other.checked = true;
    }
  });
  update();
  var summary = document.getElementById("form-errors");
  if (summary) summary.focus();
})();
