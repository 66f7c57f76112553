// A site's scrubber: the query of the page's URL (an email, a token) never leaves the page. It throws on
// events of type 'explode', as a buggy scrubber would.
tracker.init({
  url: document.currentScript.dataset.url,
  source: 'e2e-before-send',
  beforeSend(event) {
    if (event.type == 'explode') throw new Error('the scrubber broke');
    event.context.page.url = event.context.page.url.replace(/\?[^#]*/, '');
    return event;
  },
});
