// The tracker in an opaque origin: a frame with sandbox="allow-scripts", or a page served with a CSP
// `sandbox`. It is initialised from the query (?collector=<url>&sync=1 for backgroundSync); what the
// browser refuses here is probed and kept; the embedding page sends commands by postMessage
// (sandbox-host.js), since it cannot reach into this origin.
(function () {
  var query = new URLSearchParams(location.search);
  tracker.init({ url: query.get('collector'), source: 'e2e-sandboxed', backgroundSync: query.get('sync') == '1' });

  // What each storage did when asked: 'allowed', or the name of what it threw.
  var refused = (window.refused = {});
  var probe = function (name, task) {
    try {
      task();
      refused[name] = 'allowed';
    } catch (error) {
      refused[name] = error.name;
    }
  };
  probe('localStorage', function () {
    return localStorage.length;
  });
  probe('cookie', function () {
    return document.cookie;
  });
  probe('indexedDB', function () {
    indexedDB.open('e2e-probe');
  });
  var locks = navigator.locks
    ? navigator.locks.request('e2e-probe', function () {}).then(
        function () {
          refused.locks = 'allowed';
        },
        function (error) {
          refused.locks = error.name;
        },
      )
    : Promise.resolve((refused.locks = 'missing'));

  var commands = {
    track: function (command) {
      var ids = [];
      for (var i = 0; i < command.count; i++) ids.push(tracker.track(command.type, { seq: command.from + i }));
      return command.flush ? tracker.flush().then(function () {
        return ids;
      }) : ids;
    },
    state: function () {
      return locks.then(function () {
        return { origin: String(self.origin), sessionId: tracker.sessionId, refused: refused, errors: window.errors, warnings: window.warnings };
      });
    },
  };
  if (parent != window) {
    addEventListener('message', function (event) {
      if (event.source != parent) return;
      Promise.resolve(commands[event.data.op](event.data)).then(function (result) {
        parent.postMessage({ id: event.data.id, result: result }, '*');
      });
    });
    parent.postMessage({ ready: true }, '*');
  } else window.inFrame = function (command) {
    return Promise.resolve(commands[command.op](command));
  };
})();
