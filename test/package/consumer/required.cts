// A CommonJS module of the app require()s the package: Node loads ESM that way from 20.19 and 22.12, and
// TypeScript (5.8+) allows it under moduleResolution nodenext only (see tsconfig.nodenext.json).
import beacon = require('beacon-tracker');

const id: string = beacon.tracker.track('purchase', { sku: 'A-1' });
// @ts-expect-error the event type is a string
beacon.tracker.track(42);
export = id;
