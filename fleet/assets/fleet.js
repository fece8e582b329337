// Borne fleet dashboard: small improvements over plain HTML (every page works without them).
// Served at /static/fleet.js (the Content-Security-Policy forbids inline scripts).
//
// - Pages whose <body> has data-refresh="N" refresh the parts marked data-live every N seconds,
//   unless a form field is in use or the tab is hidden.
// - Forms (or their buttons) with data-confirm="question" ask before sending.
// - Forms with data-wait show their "waiting for the kiosk" line and disable their buttons once
//   sent, so that a command is not sent twice while the page waits for the reply.
(function () {
  'use strict';

  var body = document.body;
  var secs = parseInt(body.getAttribute('data-refresh') || '0', 10);
  var edited = false;

  document.addEventListener('input', function () { edited = true; });

  function busy() {
    var active = document.activeElement;
    return edited || document.hidden ||
      (active && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName));
  }

  function refresh() {
    if (busy()) { return; }
    fetch(location.href, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
      .then(function (response) {
        if (response.redirected || !response.ok) {
          // Logged out or an error: let the browser show it properly.
          if (response.redirected) { location.reload(); }
          return null;
        }
        return response.text();
      })
      .then(function (html) {
        if (!html || busy()) { return; }
        var fresh = new DOMParser().parseFromString(html, 'text/html');
        document.querySelectorAll('[data-live][id]').forEach(function (old) {
          var replacement = fresh.getElementById(old.id);
          if (replacement) { old.replaceWith(document.importNode(replacement, true)); }
        });
      })
      .catch(function () { /* the next round will try again */ });
  }

  if (secs > 0) { setInterval(refresh, secs * 1000); }

  document.addEventListener('submit', function (event) {
    var form = event.target;
    var button = event.submitter;
    var question = (button && button.getAttribute('data-confirm')) || form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    if (form.hasAttribute('data-wait')) {
      form.classList.add('busy');
      var wait = form.querySelector('.wait');
      if (wait) { wait.hidden = false; }
      // Disabled after the submission has read the pressed button's name and value.
      setTimeout(function () {
        form.querySelectorAll('button').forEach(function (b) { b.disabled = true; });
      }, 0);
    }
  });
})();
