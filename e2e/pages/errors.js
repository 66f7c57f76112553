// What a page throws and does not catch, kept for the scenario to read: the tracker must never throw into it.
window.errors = [];
addEventListener('error', (event) => errors.push(String(event.message)));
addEventListener('unhandledrejection', (event) => errors.push(`unhandled rejection: ${event.reason}`));
