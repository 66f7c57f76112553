// Embeds sandboxed.html (with this page's query) in a frame with sandbox="allow-scripts": an opaque origin
// this page cannot reach into. inFrame(command) posts a command to it and resolves with its answer.
(function () {
  var frame = document.createElement('iframe');
  frame.setAttribute('sandbox', 'allow-scripts');
  frame.src = '/e2e/sandboxed.html' + location.search;
  var answers = {};
  var next = 0;
  var ready;
  window.frameReady = new Promise(function (resolve) {
    ready = resolve;
  });
  addEventListener('message', function (event) {
    if (event.source != frame.contentWindow) return;
    if (event.data.ready) return ready(true);
    answers[event.data.id](event.data.result);
    delete answers[event.data.id];
  });
  window.inFrame = function (command) {
    return window.frameReady.then(function () {
      return new Promise(function (resolve) {
        var id = ++next;
        answers[id] = resolve;
        frame.contentWindow.postMessage(Object.assign({ id: id }, command), '*');
      });
    });
  };
  document.body.append(frame);
})();
