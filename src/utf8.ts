const encoder = new TextEncoder();

/**
 * The UTF-8 size of a string, as the beacon quota counts it (a lone surrogate as U+FFFD, 3 bytes). A
 * TextEncoder's bytes are plain memory; a Blob would register with the browser for every string measured
 * (docs/performance.md).
 */
export const utf8Bytes = (text: string): number => (ASCII.test(text) ? text.length : encoder.encode(text).length);

/** Most events are ASCII, a byte a character: counted without encoding them (a drain counts every event it sends). */
const ASCII = /^[\0-\x7f]*$/;
