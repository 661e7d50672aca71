/* DM3: what every page's htmx posts share. A local file (no inline script: the Content-Security-Policy
   forbids it), and every form works without it (the server then shows the whole page with its message).

   A refusal the server answers with the part of the page it refused (422: the form again with what is
   wrong) is swapped in like a success. Any other refusal (an expired page, a link gone, too many tries,
   a server error, a lost connection) swaps nothing, so its message is shown here, in the form that was
   sent, where the person is looking. */
(function () {
  "use strict";

  function messageOf(xhr) {
    var status = xhr ? xhr.status : 0;
    if (status === 403) return "This was not saved: the page has expired. Reload the page and try again.";
    if (status === 429) return "This was not saved: too many tries in a short time. Wait a minute and try again.";
    if (status >= 500) return "This was not saved: the server had a problem. Try again in a moment.";
    try {  // the server's own words: the error page's message, or the page's list of problems
      var doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
      var said = doc.querySelector("[role=alert], .errors, main p");
      if (said && said.textContent.trim()) return "This was not saved: " + said.textContent.trim().replace(/\s+/g, " ");
    } catch (e) { /* not HTML: the plain message below */ }
    return "This was not saved (error " + status + "). Reload the page and try again.";
  }

  function show(elt, message) {
    if (!elt || elt.closest("[data-own-errors]")) return;  // the chat composer says it itself (chat.js)
    var form = elt.closest("form") || elt;
    var box = form.querySelector("[data-htmx-error]");
    if (!box) {
      box = document.createElement("p");
      box.className = "error";
      box.setAttribute("role", "alert");
      box.setAttribute("data-htmx-error", "");
      form.appendChild(box);
    }
    box.textContent = message;
  }

  // htmx 2 swaps no 4xx/5xx answer by default. A refusal answered with the part of the page it
  // refused (422 and no whole document: the form again, saying what is wrong) is swapped like a
  // success; any other refusal (a whole error page, an expired page, too many tries, a server error)
  // swaps nothing and its message is shown in the form that was sent.
  document.addEventListener("htmx:beforeSwap", function (event) {
    // fired on the swap's target: the form that was sent is the request's element
    var xhr = event.detail.xhr, elt = (event.detail.requestConfig && event.detail.requestConfig.elt) || event.target;
    if (!xhr || xhr.status < 400 || !elt || elt.closest("[data-own-errors]")) return;
    if (xhr.status === 422 && !/<html[\s>]/i.test(xhr.responseText || "")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
      return;
    }
    event.detail.shouldSwap = false;
    show(elt, messageOf(xhr));
  });
  document.addEventListener("htmx:sendError", function (event) {
    show(event.detail.elt, "This was not sent: the connection was lost. Check your connection and try again.");
  });
  document.addEventListener("htmx:beforeRequest", function (event) {  // a new try clears the last message
    var form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("form");
    var box = form && form.querySelector("[data-htmx-error]");
    if (box) box.remove();
  });
})();
