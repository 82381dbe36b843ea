// Keyboard entry in the gradebook grid (Courses/Gradebook). Each cell is a one-field form that htmx posts and swaps;
// without this script (or htmx) Enter still posts the cell as a plain form. Enter saves and moves down (Shift+Enter
// up), Tab or leaving the cell saves and the browser moves on. A cell is sent only when its value differs from what
// was last sent (data-saved), so Enter and the blur that follows send it once. A swapped-in reason prompt takes focus.
(function () {
  'use strict';
  var grid = document.getElementById('gradebook');
  if (!grid) return;

  function save(input) {
    if (input.value === input.dataset.saved) return;
    input.dataset.saved = input.value;
    input.form.requestSubmit();
  }

  function inputBelow(input, step) {
    var cell = input.closest('td');
    var row = cell.parentElement;
    var next = step > 0 ? row.nextElementSibling : row.previousElementSibling;
    var target = next && next.cells[cell.cellIndex];
    return target && target.querySelector('input.cell-input');
  }

  grid.addEventListener('keydown', function (e) {
    var input = e.target;
    if (e.key !== 'Enter' || !input.classList || !input.classList.contains('cell-input')) return;
    e.preventDefault();
    save(input);
    var next = inputBelow(input, e.shiftKey ? -1 : 1);
    if (next) { next.focus(); next.select(); }
  });

  grid.addEventListener('focusout', function (e) {
    if (e.target.classList && e.target.classList.contains('cell-input')) save(e.target);
  });

  document.body.addEventListener('htmx:afterSwap', function (e) {
    var reason = e.detail.target && document.getElementById(e.detail.target.id);
    var prompt = reason && reason.querySelector && reason.querySelector('input.cell-reason');
    if (prompt) prompt.focus();
  });
})();
