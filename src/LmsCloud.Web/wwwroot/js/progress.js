// A student's time on a lesson and the resume point of a video, reported by the lesson page (Courses/Item).
// The element #item-progress carries the page handlers' URLs; the antiforgery token is the one htmx sends, from the
// body's hx-headers (the page handlers check it like any form POST, with the browser's session cookie).
// Heartbeats: one every 30 s while the page is visible (Page Visibility API), none while it is hidden; the server
// turns them into time on task with its idle cutoff. Position: the video's current time, sent on pause, on leaving
// the page and at most every 15 s while it plays; on load the video resumes at the stored position.
(function () {
  'use strict';
  var box = document.getElementById('item-progress');
  if (!box) return;
  var headers = {};
  try { headers = JSON.parse(document.body.getAttribute('hx-headers') || '{}'); } catch (e) { headers = {}; }
  var every = (Number(box.dataset.heartbeatSeconds) || 30) * 1000;

  function post(url, fields, keepalive) {
    var body = new URLSearchParams(fields || {});
    var h = Object.assign({ 'Content-Type': 'application/x-www-form-urlencoded' }, headers);
    return fetch(url, { method: 'POST', headers: h, body: body, credentials: 'same-origin', keepalive: !!keepalive })
      .catch(function () { /* offline: the next beat or position report tries again */ });
  }

  // ---- heartbeats ----
  var timer = null;
  function beat() { if (document.visibilityState === 'visible') post(box.dataset.heartbeatUrl); }
  function schedule() {
    if (timer) { clearInterval(timer); timer = null; }
    if (document.visibilityState === 'visible') timer = setInterval(beat, every);
  }
  if (box.dataset.heartbeatUrl) {
    document.addEventListener('visibilitychange', schedule);
    schedule();
  }

  // ---- video resume point ----
  var video = document.querySelector('video[data-resume]');
  if (!video || !box.dataset.positionUrl) return;
  var resume = Number(video.dataset.resume) || 0;
  var lastSent = -1, lastAt = 0;
  function seek() { if (resume > 0 && resume < (video.duration || Infinity)) video.currentTime = resume; }
  if (video.readyState >= 1) seek(); else video.addEventListener('loadedmetadata', seek, { once: true });
  function report(keepalive) {
    var seconds = Math.floor(video.currentTime || 0);
    if (seconds === lastSent) return;
    lastSent = seconds; lastAt = Date.now();
    post(box.dataset.positionUrl, { seconds: String(seconds) }, keepalive);
  }
  video.addEventListener('pause', function () { report(false); });
  video.addEventListener('ended', function () { report(false); });
  video.addEventListener('timeupdate', function () { if (Date.now() - lastAt >= 15000) report(false); });
  window.addEventListener('pagehide', function () { report(true); });
})();
