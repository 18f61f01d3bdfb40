// Shows the WebSocket URL for this page's host.
(function () {
  var scheme = location.protocol === "https:" ? "wss://" : "ws://";
  document.getElementById("ws").textContent = scheme + location.host + "/ws";
})();
