/** Pure rules of the tunnel and the workspace tools: eviction and probing, the line protocol, edits, timeouts, MIME types. */
import { needsProbe, shouldEvict, sweepIntervalMs } from '../../lib/tunnel/evict';
import { breaksChannel } from '../../lib/tunnel/pool';
import { AgentOpError, OutcomeUnknownError, TunnelDialError } from '../../lib/tunnel/errors';
import { b64, dialCommand, LOOP_SCRIPT, parseLine, requestLine } from '../../lib/tunnel/protocol';
import { dialUrl, requestLineBytes } from '../../lib/tunnel/channel';
import { applyEdits, decodeText, unifiedDiff } from '../../lib/tools/edits';
import { isTimeout } from '../../lib/tools/workspace-bash';
import { mimeTypeFor } from '../../lib/tools/mime';
import { DeadlineError, InvalidArgumentError } from '../../lib/errors';

describe('eviction and probing', () => {
  it('evicts only unleased channels idle past the limit', () => {
    expect(shouldEvict({ leased: false, lastUsedAt: 0 }, 10_001, 10_000)).toBe(true);
    expect(shouldEvict({ leased: false, lastUsedAt: 0 }, 10_000, 10_000)).toBe(false);
    expect(shouldEvict({ leased: true, lastUsedAt: 0 }, 1e9, 10_000)).toBe(false);
  });
  it('probes after an idle gap, and sweeps at most once a second', () => {
    expect(needsProbe(0, 5_001, 5_000)).toBe(true);
    expect(needsProbe(0, 4_000, 5_000)).toBe(false);
    expect(sweepIntervalMs(600_000)).toBe(300_000);
    expect(sweepIntervalMs(100)).toBe(1000);
  });
  it('keeps a channel after an operation error, discards it after anything else', () => {
    expect(breaksChannel(new AgentOpError('ENOENT', 'x'))).toBe(false);
    expect(breaksChannel(new InvalidArgumentError('x'))).toBe(false);
    for (const e of [new DeadlineError('x'), new OutcomeUnknownError('x'), new TunnelDialError('x'), new Error('x')])
      expect(breaksChannel(e)).toBe(true);
  });
});

describe('line protocol', () => {
  it('carries caller data only as base64 fields', () => {
    const nasty = `"; rm -rf / #$(whoami)\`id\`\n-rf`;
    const line = requestLine('a1', 'exec', [b64(nasty), '1.000', 10, 0, 100]);
    expect(line).toMatch(/^a1 exec [A-Za-z0-9+/=]+ 1\.000 10 0 100\n$/);
    expect(line).not.toContain('rm -rf');
    expect(b64('')).toBe('=');
  });
  it('keeps caller data out of the loop and the dial stub', () => {
    expect(dialCommand('0123456789abcdef')).toMatch(/^N=0123456789abcdef; H=[0-9a-f]{64}\n/);
    for (const script of [LOOP_SCRIPT, dialCommand('0123456789abcdef')]) expect(script).not.toMatch(/bash|python|perl/);
  });
  it("keeps the dial's request line within 4 KB, whatever the loop grows to", () => {
    // A long deployment URL (a path prefix behind a proxy) and real UUIDs: what a proxy in front of coderd sees.
    const target = {
      coderUrl: `https://${'c'.repeat(60)}.example.com/${'prefix/'.repeat(10)}`,
      token: 't',
      agentId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    };
    const url = dialUrl(target, 'ffffffff-1111-2222-3333-444444444444', '0123456789abcdef');
    expect(requestLineBytes(url)).toBeLessThanOrEqual(4096);
    // The loop travels inside the terminal, not in the URL.
    expect(url.toString()).not.toContain(encodeURIComponent('op_exec'));
  });
  it('parses our lines and ignores everything else', () => {
    expect(parseLine('__CMCP n1 a1 ok 0 2 0 aGkK .\r')).toEqual({
      nonce: 'n1',
      id: 'a1',
      status: 'ok',
      fields: ['0', '2', '0', 'aGkK'],
    });
    expect(parseLine('__CMCP n1 a1 ok 0 0  .')).toEqual({ nonce: 'n1', id: 'a1', status: 'ok', fields: ['0', '0'] });
    expect(parseLine('__CMCP_READY n1')).toEqual({ kind: 'ready', nonce: 'n1' });
    expect(parseLine('__CMCP_MISSING n1 base64')).toEqual({ kind: 'missing', nonce: 'n1', tool: 'base64' });
    expect(parseLine('__CMCP_LOAD n1')).toEqual({ kind: 'load', nonce: 'n1' });
    expect(parseLine('__CMCP_BADLOAD n1')).toEqual({ kind: 'badload', nonce: 'n1' });
    for (const junk of ['', 'hello', '$ a1 ping', '__CMCP n1 a1 maybe .', 'x__CMCP n1 a1 ok .'])
      expect(parseLine(junk)).toBeUndefined();
    // The head of an exec answer whose output and end were lost (a socket dropped between the loop's writes) is no answer at all.
    for (const cut of ['__CMCP n1 a1 ok 0 0 ', '__CMCP n1 a1 ok 0 0 aGkK', '__CMCP n1 a1 ok'])
      expect(parseLine(cut)).toBeUndefined();
  });
});

describe('edits', () => {
  const text = 'alpha\nbeta\nbeta\ngamma $& $1\n';
  it('replaces a unique match literally', () => {
    expect(applyEdits('/f', text, [{ old_text: 'gamma $& $1', new_text: '$& stays' }])).toBe(
      'alpha\nbeta\nbeta\n$& stays\n',
    );
  });
  it("refuses ambiguous, missing and empty old_text with Coder's rule and words", () => {
    expect(() => applyEdits('/f', text, [{ old_text: 'beta', new_text: 'x' }])).toThrow(
      /^edit \/f: old_text matches 2 occurrences \(expected exactly 1\)\. Include more surrounding context to make the match unique, or set replace_all to true$/,
    );
    expect(() => applyEdits('/f', text, [{ old_text: 'delta', new_text: 'x' }])).toThrow(
      /^edit \/f: old_text not found in file/,
    );
    expect(() =>
      applyEdits('/f', text, [
        { old_text: 'alpha', new_text: 'a' },
        { old_text: '', new_text: 'x' },
      ]),
    ).toThrow(/^edit \/f \(edit 2 of 2\): old_text must not be empty$/);
  });
  it('replaces every match with replace_all, applying edits in order', () => {
    expect(
      applyEdits('/f', text, [
        { old_text: 'beta', new_text: 'b', replace_all: true },
        { old_text: 'b\nb', new_text: 'bb' },
      ]),
    ).toBe('alpha\nbb\ngamma $& $1\n');
  });
  it('makes a unified diff and refuses non-UTF-8 files', async () => {
    await expect(unifiedDiff('/f', 'a\nb\n', 'a\nc\n')).resolves.toMatch(
      /^--- \/f\n\+\+\+ \/f\n@@ -1,2 \+1,2 @@\n a\n-b\n\+c\n$/,
    );
    expect(() => decodeText('/bin', Buffer.from([0xff, 0xfe, 0x00]))).toThrow(/not UTF-8/);
  });
});

describe('bash results and MIME types', () => {
  it('recognises a timeout by exit code and elapsed time', () => {
    expect(isTimeout(124, 10, 1000)).toBe(true);
    expect(isTimeout(137, 1000, 1000)).toBe(true);
    expect(isTimeout(137, 10, 1000)).toBe(false);
    expect(isTimeout(1, 5000, 1000)).toBe(false);
  });
  it('guesses MIME types from the extension like Go', () => {
    expect(mimeTypeFor('/a/b.json')).toBe('application/json');
    expect(mimeTypeFor('/a/b.HTML')).toBe('text/html; charset=utf-8');
    expect(mimeTypeFor('/a/.bashrc')).toBe('application/octet-stream');
    expect(mimeTypeFor('/a/noext')).toBe('application/octet-stream');
  });
});
