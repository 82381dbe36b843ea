// A student's open quiz attempt (Courses/Quizzes/Attempt): answers are saved as they are given, and the time left is
// counted down from the server's figure. The form works without this script (its Save and Submit buttons); the server
// keeps the time either way and refuses answers after the deadline (docs/quizzes.md).
// Saving: the whole form (every question, so a cleared one is cleared), 1 s after typing stops or at once on a change,
// with the antiforgery token htmx also sends (body hx-headers). A 409 means the attempt is finished: go to its page.
(function () {
  'use strict';
  var form = document.getElementById('quiz-answers');
  if (!form) return;
  var headers = {};
  try { headers = JSON.parse(document.body.getAttribute('hx-headers') || '{}'); } catch (e) { headers = {}; }
  var status = document.getElementById('quiz-save-status');
  var typing = null, saving = false, again = false;

  function say(text) { if (status) status.textContent = text; }

  function save() {
    if (saving) { again = true; return Promise.resolve(); }
    saving = true;
    var h = Object.assign({ 'Content-Type': 'application/x-www-form-urlencoded' }, headers);
    return fetch(form.dataset.autosaveUrl, { method: 'POST', headers: h, body: new URLSearchParams(new FormData(form)), credentials: 'same-origin' })
      .then(function (r) {
        return r.json().then(function (j) {
          if (j.finished) { window.location.href = j.url; return; }
          if (!r.ok || !j.saved) { say('Not saved: ' + (j.problems || []).join(' ')); return; }
          if (typeof j.secondsLeft === 'number') ends = Date.now() + j.secondsLeft * 1000; // the server's count wins
          say(j.problems && j.problems.length ? 'Saved, except: ' + j.problems.join(' ') : 'All answers saved.');
        });
      })
      .catch(function () { say('Not saved: no connection. Your answers are kept in the page; saving tries again on the next change.'); })
      .then(function () { saving = false; if (again) { again = false; save(); } });
  }

  form.addEventListener('input', function (e) {
    if (e.target.type === 'radio' || e.target.type === 'checkbox') return; // 'change' saves those at once
    clearTimeout(typing);
    typing = setTimeout(save, 1000);
  });
  form.addEventListener('change', function () { clearTimeout(typing); save(); });

  // ---- countdown ----
  var timer = document.getElementById('quiz-timer');
  if (!timer) return;
  var shown = document.getElementById('quiz-time-left');
  var news = document.getElementById('quiz-time-news');
  var left = Number(timer.dataset.secondsLeft);
  var ends = Date.now() + left * 1000;
  function show() {
    var s = Math.max(0, left);
    shown.textContent = Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
  }
  var tick = setInterval(function () {
    left = Math.round((ends - Date.now()) / 1000);
    show();
    if (news && (left === 300 || left === 60)) news.textContent = (left / 60) + (left === 60 ? ' minute' : ' minutes') + ' left.';
    if (left <= 0) {
      clearInterval(tick);
      // Within the server's grace: what is in the form now is saved and submitted.
      form.action = timer.dataset.submitUrl;
      form.submit();
    }
  }, 1000);
})();
