/**
 * Where a JSON text first goes wrong, as line and column: V8's JSON.parse messages quote the input
 * (a whole notebook) and do not always give a position.
 */
export function jsonErrorLocation(src: string): { line: number; column: number; found: string } {
  let i = 0;
  const ws = () => { while (i < src.length && ' \t\n\r'.includes(src[i])) i++; };
  const fail = (): never => { throw i; };
  const expect = (s: string) => { if (src.startsWith(s, i)) i += s.length; else fail(); };
  const string = () => {
    expect('"');
    while (i < src.length && src[i] !== '"') {
      if (src[i] === '\\') i += src[i + 1] === 'u' ? 6 : 2;
      else if (src.charCodeAt(i) < 0x20) fail();
      else i++;
    }
    expect('"');
  };
  const value = (): void => {
    ws();
    const c = src[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (src[i] === close) { i++; return; }
      for (;;) {
        if (close === '}') { ws(); string(); ws(); expect(':'); }
        value();
        ws();
        if (src[i] === ',') { i++; continue; }
        expect(close);
        return;
      }
    }
    if (c === '"') return string();
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|^(true|false|null)/.exec(src.slice(i, i + 400));
    if (!m) fail();
    i += m![0].length;
  };
  try {
    value();
    ws();
    if (i < src.length) fail();
  } catch (at) {
    if (typeof at !== 'number') throw at;
  }
  const before = src.slice(0, i);
  const line = before.split('\n').length;
  return { line, column: i - before.lastIndexOf('\n'), found: i < src.length ? JSON.stringify(src[i]) : 'end of file' };
}
