// No inline code: this page must also work under a strict Content-Security-Policy.
window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => window.cspViolations.push(event.violatedDirective));
tracker.track('page-view', { from: 'script-tag' });
