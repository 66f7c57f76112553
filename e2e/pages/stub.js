// A loader stub that is not the README's, left by another script or another version (?stub=<variant>):
// the tracker, initialised from its data attributes, replays what it can and passes the rest over.
// `?elsewhere=<url>` is a second listener a replayed init() must never switch to.
(function () {
  var query = new URLSearchParams(location.search);
  var now = Date.now();
  var stubs = {
    // Entries of every shape; the valid ones replayed, in order: early 1 and 2.
    garbage: function () {
      return {
        q: [
          null,
          'track',
          42,
          {},
          [],
          ['nope', ['x']],
          ['track'],
          ['track', 'abc'],
          ['track', null, now],
          ['init', null],
          ['__proto__', []],
          ['constructor', []],
          ['toString', []],
          ['hasOwnProperty', ['q']],
          ['init', [{ url: query.get('elsewhere'), source: 'stolen' }], now],
          ['track', ['early', { seq: 1 }], now],
          ['track', { 0: 'early', 1: { seq: 2 }, length: 2 }, now], // an arguments object, as the stub keeps them
          ['identify', [{ id: {} }], now],
        ],
      };
    },
    // Entries that throw when read: arguments past the longest array, a length getter that throws, event
    // options whose getter throws, an entry whose getter throws; then a valid call: early 1.
    throwing: function () {
      var thrower = function (what) {
        return function () {
          throw new Error(what + ' (e2e)');
        };
      };
      var q = [
        ['track', { length: Math.pow(2, 32) }, now],
        ['track', Object.defineProperty({}, 'length', { get: thrower('a length') }), now],
        ['track', ['early', { seq: 0 }, Object.defineProperty({}, 'time', { enumerable: true, get: thrower('an option') })], now],
      ];
      Object.defineProperty(q, 3, { enumerable: true, get: thrower('an entry') });
      q.push(['track', ['early', { seq: 1 }], now]);
      return { q: q };
    },
    // Not an array: passed over whole.
    string: function () {
      return { q: 'garbage' };
    },
    arrayLike: function () {
      return { q: { 0: ['track', ['early', { seq: 1 }], now], length: 1 } };
    },
    // Reading it throws.
    getter: function () {
      return Object.defineProperty({}, 'q', {
        enumerable: true,
        get: function () {
          throw new Error('the stub is gone (e2e)');
        },
      });
    },
    proxy: function () {
      var trap = function () {
        throw new Error('the stub is a trap (e2e)');
      };
      return new Proxy({}, { get: trap, has: trap, getOwnPropertyDescriptor: trap, ownKeys: trap, getPrototypeOf: trap });
    },
  };
  window.tracker = stubs[query.get('stub')]();
})();
