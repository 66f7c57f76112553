const encoder = new TextEncoder();

/**
 * The UTF-8 size of a string, as the beacon quota counts it (a lone surrogate as U+FFFD, 3 bytes). A
 * TextEncoder's bytes are plain memory; a Blob would register with the browser for every string measured
 * (docs/performance.md).
 */
export const utf8Bytes = (text: string): number => encoder.encode(text).length;
