// Keyboard shortcuts: "/" focuses the contacts search (as on many sites), unless the person is
// typing somewhere already.
(function () {
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    const typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (typing) return;
    const search = document.getElementById("contacts-search");
    if (!search) return;
    event.preventDefault();
    search.focus();
    search.select();
  });
})();
