/**
 * coderd's agent reads the PTY input as a stream of JSON objects whose boundaries need not match
 * WebSocket frames. This splits a byte stream into complete top-level objects.
 */
export class JsonObjectStream {
  private buf = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private start = -1;
  private scanned = 0;

  /** Feeds text; returns the complete objects' texts, in order. Throws on text outside an object. */
  push(text: string): string[] {
    this.buf += text;
    const out: string[] = [];
    for (let i = this.scanned; i < this.buf.length; i++) {
      const c = this.buf[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') this.inString = false;
        continue;
      }
      if (c === '"') this.inString = true;
      else if (c === '{') {
        if (this.depth === 0) this.start = i;
        this.depth += 1;
      } else if (c === '}') {
        this.depth -= 1;
        if (this.depth === 0) out.push(this.buf.slice(this.start, i + 1));
        if (this.depth < 0) throw new Error('unbalanced JSON input');
      } else if (this.depth === 0 && !/\s/.test(c ?? '')) {
        throw new Error(`unexpected ${JSON.stringify(c)} between JSON objects`);
      }
    }
    if (this.depth === 0) {
      this.buf = '';
      this.scanned = 0;
    } else {
      this.buf = this.buf.slice(this.start);
      this.start = 0;
      this.scanned = this.buf.length;
    }
    return out;
  }
}
