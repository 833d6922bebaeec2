// Card payment with Stripe.js: the card goes from the browser to Stripe, never to our server.
// Uses the Payment Element where Stripe.js offers it, else the Card Element.
(function () {
  "use strict";
  var form = document.getElementById("payment-form");
  if (!form || typeof Stripe === "undefined") return;
  var clientSecret = form.dataset.clientSecret, returnUrl = form.dataset.returnUrl;
  var stripe = Stripe(form.dataset.publishableKey);
  var message = document.getElementById("payment-message");
  var button = document.getElementById("pay-button");
  var elements, element, paymentElement = typeof stripe.confirmPayment === "function";
  if (paymentElement) {
    elements = stripe.elements({ clientSecret: clientSecret, locale: document.documentElement.lang });
    element = elements.create("payment");
  } else {
    elements = stripe.elements();
    element = elements.create("card");
  }
  element.mount("#payment-element");
  function fail(text) {
    message.textContent = text;
    message.hidden = false;
    button.disabled = false;
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    message.hidden = true;
    var done = paymentElement
      ? stripe.confirmPayment({ elements: elements, confirmParams: { return_url: returnUrl } })
      : stripe.confirmCardPayment(clientSecret, { payment_method: { card: element } });
    done.then(function (result) {
      if (result.error) { fail(result.error.message || String(result.error)); return; }
      window.location.href = returnUrl;
    });
  });
})();
