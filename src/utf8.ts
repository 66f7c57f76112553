/**
 * The UTF-8 size of a string, as the beacon quota counts it, counted in JavaScript: a Blob would register
 * with the browser for every string measured (docs/performance.md).
 */
export function utf8Bytes(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit > 2047) {
      bytes += 2;
      // A surrogate pair is 2 units and 4 bytes; a lone surrogate goes as U+FFFD, 3 bytes.
      if (unit > 0xd7ff && unit < 0xdc00 && (text.charCodeAt(i + 1) & 0xfc00) == 0xdc00) i++;
    } else if (unit > 127) bytes++;
  }
  return bytes;
}
