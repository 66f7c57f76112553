// Loaded before the tracker, so that it hears every violation the tracker could cause.
window.violations = [];
addEventListener('securitypolicyviolation', (event) => {
  window.violations.push({ directive: event.violatedDirective, blocked: event.blockedURI, source: event.sourceFile, sample: event.sample });
});
addEventListener('DOMContentLoaded', () => window.tracker.track('view', { seq: 1 }));
