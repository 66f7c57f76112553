// What the page was warned of in the console, kept for the scenario to read: the script build warns where the
// npm build throws (a misuse, an option it cannot read), and never throws into its page.
window.warnings = [];
(function () {
  var warn = console.warn;
  console.warn = function () {
    window.warnings.push(Array.prototype.map.call(arguments, String).join(' '));
    return warn.apply(console, arguments);
  };
})();
