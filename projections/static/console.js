// jira-sync console: after an action, the pair's page reloads itself every 2 s (at most 30
// times) until the pair is synced, so the operator sees the worker carry the command out.
(function () {
  "use strict";
  var pair = document.getElementById("pair");
  if (!pair || pair.dataset.refresh !== "on") { return; }
  var key = "jira-sync-refresh:" + location.pathname;
  var count = Number(sessionStorage.getItem(key) || "0");
  if (pair.dataset.state === "synced" || count >= 30) {
    sessionStorage.removeItem(key);
    return;
  }
  sessionStorage.setItem(key, String(count + 1));
  setTimeout(function () { location.reload(); }, 2000);
})();
