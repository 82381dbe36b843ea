// The grading policy page (Courses/Gradebook/Policy): keeps "Weights sum to N %" in step with the group weights as
// they are typed. The server renders the same sentence, so without JavaScript it is right after each preview.
(function () {
  'use strict';
  var total = document.getElementById('weights-total');
  var note = document.getElementById('weights-note');
  if (!total) return;
  function update() {
    var sum = 0;
    document.querySelectorAll('input.group-weight').forEach(function (i) { sum += Number(i.value) || 0; });
    sum = Math.round(sum * 10000) / 10000;
    total.textContent = String(sum);
    note.textContent = sum === 100 ? '.' : ' (grades are rescaled to the groups with work when below 100; above 100 acts as extra credit).';
  }
  document.addEventListener('input', function (e) { if (e.target.classList && e.target.classList.contains('group-weight')) update(); });
})();
