/* DM3 interview chat: keeps what staff type, says when a send fails, opens at the current question,
   copies the personal link. A local file (no inline script), and the chat works without it. */
(function () {
  "use strict";

  function answerBox() { return document.getElementById("answer"); }
  function draftKey() {
    var form = document.querySelector("form[data-draft-key]");
    return form ? "dm3-draft:" + form.getAttribute("data-draft-key") : null;
  }
  function keepDraft() {
    var key = draftKey(), box = answerBox();
    if (!key || !box) return;
    try {
      if (box.value) sessionStorage.setItem(key, box.value); else sessionStorage.removeItem(key);
    } catch (e) { /* private mode: the text stays in the box */ }
  }
  function showStatus(message, withReload) {
    var el = document.getElementById("send-status");
    if (!el) return;
    el.textContent = message;
    if (withReload) {
      var link = document.createElement("a");
      link.href = location.pathname;
      link.textContent = " Reload the page";
      el.appendChild(link);
    }
    el.hidden = !message;
  }

  // A failed send: htmx swaps nothing on 4xx/5xx or a lost connection, so the text stays in the box;
  // say what happened and keep a copy in this tab's storage, which survives the reload.
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    keepDraft();
    if (status === 403) {
      showStatus("Your answer was not sent: this page has expired (the server restarted, or the page was open a long " +
                 "time). Your text is kept and will be back in the box after you reload.", true);
    } else if (status >= 500) {
      showStatus("Your answer was not sent: the server had a problem. Your text is kept; press Send again in a moment.");
    } else {
      showStatus("Your answer was not sent (error " + status + "). Your text is kept; reload the page and send it again.",
                 true);
    }
  });
  document.addEventListener("htmx:sendError", function () {
    keepDraft();
    showStatus("Your answer was not sent: the connection was lost. Your text is kept; check your connection and " +
               "press Send again.");
  });
  document.addEventListener("htmx:timeout", function () {
    keepDraft();
    showStatus("Your answer was not sent: the server took too long. Your text is kept; press Send again.");
  });
  // After a reply the composer is new: keep what is in it now (empty after a send, the draft after an error).
  document.addEventListener("htmx:afterSettle", keepDraft);
  document.addEventListener("input", function (event) {
    if (event.target && event.target.id === "answer") keepDraft();
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-copy]") : null;
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy"));
    var said = button.parentNode.querySelector(".copy-status");
    var text = source ? source.textContent.trim() : "";
    function done(ok) { if (said) said.textContent = ok ? "Link copied." : "Select the link above and copy it."; }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(false); });
    } else {
      var range = document.createRange();
      range.selectNodeContents(source);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      done(ok);
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("button[data-copy]").forEach(function (b) { b.hidden = false; });
    var key = draftKey(), box = answerBox();
    if (key && box) {
      var saved = null;
      try { saved = sessionStorage.getItem(key); } catch (e) { saved = null; }
      if (saved && !box.value) {
        box.value = saved;
        showStatus("Your unsent text is back in the box. Send it when you are ready.");
      }
    }
    // open at the current question (the composer is sticky at the bottom, the progress line at the top)
    if (!location.hash) {
      var current = document.querySelector("[data-current]");
      if (current) current.scrollIntoView({block: "start"});
      else window.scrollTo(0, document.documentElement.scrollHeight);
    }
  });
})();
