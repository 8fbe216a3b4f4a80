// Keyboard: "/" focuses the contacts search (as on many sites) unless the person is typing
// somewhere already; and a table that scrolls inside its box can be scrolled with the keys.
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

  // Radix's scroll areas (wide tables on a phone, long ones anywhere) are not focusable: one
  // that scrolls gets a tab stop and a name, so arrow keys reach what is off screen.
  function markScrollables() {
    document.querySelectorAll(".rt-ScrollAreaViewport").forEach(function (box) {
      const scrolls = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", "Scrollable table");
      }
    });
  }
  let queued = false;
  function soon() {
    if (queued) return;
    queued = true;
    requestAnimationFrame(function () {
      queued = false;
      markScrollables();
    });
  }
  function start() {
    new MutationObserver(soon).observe(document.body, { childList: true, subtree: true });
    window.addEventListener("resize", soon);
    soon();
  }
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
