// Another script of the page, run before the tracker: it changes Object.prototype and Array.prototype as old
// libraries and prototype-pollution attacks do. An inherited `path` or `url` read as the tracker's own would
// send events to the second listener the scenario started (?elsewhere=<its url>): url + path is
// `http://<collector host>@<elsewhere host>/steal`, the collector's host taken for credentials.
(function () {
  var elsewhere = new URL(new URLSearchParams(location.search).get('elsewhere'));
  Object.prototype.path = '@' + elsewhere.host + '/steal';
  Object.prototype.url = elsewhere.origin + '/steal';
  Object.prototype.beforeSend = 'x';
  Object.prototype.onResponse = 'x';
  Object.prototype.profile = { id: 'evil' };
  // Prototype.js 1.6: every array serialises as a string holding its JSON. (Its `JSON.stringify(this.slice())`
  // shorthand would recurse without end: the copy has the same toJSON.)
  Array.prototype.toJSON = function () {
    var parts = [];
    for (var i = 0; i < this.length; i++) parts.push(JSON.stringify(this[i]));
    return '[' + parts.join(', ') + ']';
  };
})();
