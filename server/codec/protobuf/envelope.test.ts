import { describe, expect, it } from 'vitest';
import { ProtobufError, decodeEnvelope, encodeEnvelope } from './envelope.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('Kubernetes protobuf envelope', () => {
  it('writes the magic and a runtime.Unknown with every field, as Go does', () => {
    const env = encodeEnvelope('v1', 'Namespace', Uint8Array.of(0x0a, 0x00));
    // k8s\0, typeMeta{apiVersion "v1", kind "Namespace"}, raw, contentEncoding "", contentType ""
    expect(hex(env)).toBe('6b387300' + '0a0f0a0276311209' + Buffer.from('Namespace').toString('hex') + '12020a00' + '1a00' + '2200');
  });

  it('reads back what it writes', () => {
    const raw = Uint8Array.of(1, 2, 3);
    const env = decodeEnvelope(encodeEnvelope('apps/v1', 'Deployment', raw));
    expect(env.apiVersion).toBe('apps/v1');
    expect(env.kind).toBe('Deployment');
    expect([...env.raw]).toEqual([1, 2, 3]);
  });

  it('rejects data without the magic with upstream wording, as a 400', () => {
    const err = catchError(() => decodeEnvelope(Buffer.from('{"kind":"Pod"}')));
    expect(err.reason).toBe('NotProtobuf');
    expect(err.code).toBe(400);
    expect(err.message).toBe('provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]');
  });

  it('rejects a truncated envelope as malformed', () => {
    const full = encodeEnvelope('v1', 'Secret', new Uint8Array(40));
    const err = catchError(() => decodeEnvelope(full.subarray(0, full.length - 10)));
    expect(err.reason).toBe('Malformed');
    expect(err.code).toBe(400);
    expect(err.message).toContain('unexpected EOF');
  });

  it('refuses a content encoding it cannot undo', () => {
    const env = Buffer.concat([Buffer.from(encodeEnvelope('v1', 'Pod', new Uint8Array(0))).subarray(0, -4), Buffer.from([0x1a, 0x04, ...Buffer.from('gzip'), 0x22, 0x00])]);
    expect(catchError(() => decodeEnvelope(env)).reason).toBe('Malformed');
  });
});

function catchError(fn: () => unknown): ProtobufError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProtobufError) return err;
    throw err;
  }
  throw new Error('expected a ProtobufError');
}
