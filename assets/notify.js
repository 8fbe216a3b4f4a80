// Browser notifications for Beacon: one per event across all of a user's open tabs.
// Every tab receives the event; the Web Locks API (shared by same-origin tabs) makes the
// check-and-mark in localStorage atomic, so only the first tab to get there shows it.
(function () {
  const MARK_PREFIX = "beacon-notified-";
  const MARK_LIFETIME_MS = 24 * 60 * 60 * 1000; // marks older than a day are swept

  function supported() {
    return typeof window.Notification === "function";
  }

  window.beaconNotificationPermission = function () {
    return supported() ? Notification.permission : "unsupported";
  };

  window.beaconAskNotificationPermission = async function () {
    if (!supported()) return "unsupported";
    try {
      return await Notification.requestPermission();
    } catch (error) {
      return Notification.permission;
    }
  };

  function sweepOldMarks() {
    const now = Date.now();
    for (let i = localStorage.length - 1; i >= 0; i--) {
      const key = localStorage.key(i);
      if (key && key.startsWith(MARK_PREFIX) && now - Number(localStorage.getItem(key)) > MARK_LIFETIME_MS) {
        localStorage.removeItem(key);
      }
    }
  }

  function showOnce(event) {
    const mark = MARK_PREFIX + event.id;
    if (localStorage.getItem(mark)) return;
    localStorage.setItem(mark, String(Date.now()));
    try {
      const note = new Notification(event.title, { body: event.body, tag: mark });
      note.onclick = function () {
        window.focus();
        if (event.url) window.location.assign(event.url);
        note.close();
      };
    } catch (error) {
      // A browser that refuses (e.g. needs a service worker) degrades to the in-page toast.
    }
  }

  window.beaconNotify = async function (event) {
    if (!supported() || Notification.permission !== "granted") return;
    sweepOldMarks();
    if (navigator.locks) {
      await navigator.locks.request(MARK_PREFIX + "lock", () => showOnce(event));
    } else {
      showOnce(event);
    }
  };
})();
